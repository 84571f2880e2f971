import { describe, expect, it } from 'vitest';
import { planKeep, pointsAfter, type KeepPoint } from './keep-plan';

const p = (n: number, standalone = false): KeepPoint => ({ id: `rpl-${n}`, layer: `layer-${n}.qcow2`, standalone });
const chain = (n: number) => Array.from({ length: n }, (_, i) => p(i + 1, i === 0));
const none = { testedPointIds: [], promoted: false };

describe('planKeep', () => {
  it('does nothing while the points fit', () => {
    expect(planKeep(chain(3), 3, none)).toEqual({ steps: [], stoppedBy: null });
  });

  it('merges the second-oldest into the oldest file, rebasing the third onto it', () => {
    const plan = planKeep(chain(4), 2, none);
    expect(plan.stoppedBy).toBeNull();
    expect(plan.steps).toEqual([
      { kind: 'merge', base: p(1, true), top: p(2), child: p(3) },
      // the second point now lives in the first file
      { kind: 'merge', base: { ...p(2), layer: 'layer-1.qcow2', standalone: true }, top: p(3), child: p(4) },
    ]);
    const after = pointsAfter(chain(4), plan);
    expect(after.map((x) => [x.id, x.layer])).toEqual([
      ['rpl-3', 'layer-1.qcow2'],
      ['rpl-4', 'layer-4.qcow2'],
    ]);
  });

  it('keep 1 merges the last two with no child to rebase', () => {
    const plan = planKeep(chain(2), 1, none);
    expect(plan.steps).toEqual([{ kind: 'merge', base: p(1, true), top: p(2), child: null }]);
    expect(pointsAfter(chain(2), plan)).toEqual([{ ...p(2), layer: 'layer-1.qcow2' }]);
  });

  it('drops an old chain that a later full point cut off', () => {
    const points = [p(1, true), p(2), p(3, true), p(4)];
    const plan = planKeep(points, 2, none);
    expect(plan.steps).toEqual([
      { kind: 'merge', base: p(1, true), top: p(2), child: null }, // the full rpl-3 is not rebased
      { kind: 'drop', point: { ...p(2), layer: 'layer-1.qcow2', standalone: true } },
    ]);
    expect(pointsAfter(points, plan).map((x) => x.id)).toEqual(['rpl-3', 'rpl-4']);
  });

  it('stops at a point a test VM stands on (base, top or the layer to rebase)', () => {
    for (const tested of ['rpl-1', 'rpl-2', 'rpl-3']) {
      const plan = planKeep(chain(5), 2, { testedPointIds: [tested], promoted: false });
      expect(plan.steps).toEqual([]);
      expect(plan.stoppedBy).toBe(`a test VM stands on point ${tested}`);
    }
    const later = planKeep(chain(5), 2, { testedPointIds: ['rpl-4'], promoted: false });
    expect(later.steps).toHaveLength(1);
    expect(later.stoppedBy).toBe('a test VM stands on point rpl-4');
  });

  it('never merges after a failover', () => {
    expect(planKeep(chain(4), 2, { testedPointIds: [], promoted: true }).stoppedBy).toMatch(/failed over/);
  });
});
