import { describe, expect, it } from 'vitest';
import { chainOf, planPointDelete, planPrune, type ChainPoint } from './chain';

// One VM's points: t = hours since an epoch; parent = previous id or null (a full).
function chain(...spec: [string, string | null][]): ChainPoint[] {
  return spec.map(([id, parentId], i) => ({ id, vmId: 'vm-a', parentId, takenAt: new Date(Date.UTC(2026, 0, 1, i)) }));
}
const ops = (p: ReturnType<typeof planPrune>) =>
  p.steps.map((s) => (s.op === 'rebase' ? `rebase ${s.pointId}->${s.ontoId ?? 'flat'}` : `delete ${s.pointId}`));

describe('planPrune', () => {
  const abcde = chain(['A', null], ['B', 'A'], ['C', 'B'], ['D', 'C'], ['E', 'D']);

  it('keeping everything does nothing', () => {
    expect(planPrune(abcde, ['A', 'B', 'C', 'D', 'E']).steps).toEqual([]);
  });

  it('dropping the tail of nothing: a dropped point nobody depends on is just deleted', () => {
    const p = planPrune(chain(['A', null], ['B', 'A'], ['F', null]), ['F']);
    expect(ops(p)).toEqual(['delete B', 'delete A']);
  });

  it('merges a run of expiring incrementals into the kept successor with one rebase, then deletes newest first', () => {
    const p = planPrune(abcde, ['A', 'E']);
    expect(ops(p)).toEqual(['rebase E->A', 'delete D', 'delete C', 'delete B']);
    expect(p.steps[0].reason).toMatch(/D, C, B expire/);
  });

  it('flattens the oldest kept point when its full expires', () => {
    expect(ops(planPrune(abcde, ['C', 'E']))).toEqual([
      'rebase C->flat',
      'rebase E->C',
      'delete D',
      'delete B',
      'delete A',
    ]);
  });

  it('always keeps the chain head, saying why', () => {
    const p = planPrune(abcde, ['A']);
    expect(p.forced).toEqual([{ id: 'E', reason: expect.stringMatching(/chain head/) }]);
    expect(p.keepIds).toEqual(['A', 'E']);
    expect(ops(p)).toEqual(['rebase E->A', 'delete D', 'delete C', 'delete B']);
  });

  it('an empty keep set leaves only the head, flattened', () => {
    expect(ops(planPrune(abcde, []))).toEqual(['rebase E->flat', 'delete D', 'delete C', 'delete B', 'delete A']);
  });

  it('handles several chains and VMs independently', () => {
    const other = { id: 'X', vmId: 'vm-b', parentId: null, takenAt: new Date(Date.UTC(2025, 0, 1)) };
    const points = [...chain(['A', null], ['B', 'A'], ['F', null], ['G', 'F']), other];
    const p = planPrune(points, ['B']);
    expect(p.keepIds.sort()).toEqual(['B', 'G', 'X']);
    // B is kept but its full A expires, so B is flattened; G is the head of the newer chain.
    expect(ops(p)).toEqual(['rebase B->flat', 'rebase G->flat', 'delete F', 'delete A']);
  });
});

describe('chainOf', () => {
  it('lists the chain oldest first and stops at a missing parent', () => {
    const pts = chain(['A', null], ['B', 'A'], ['C', 'B']);
    expect(chainOf(pts, 'C').map((p) => p.id)).toEqual(['A', 'B', 'C']);
    expect(chainOf(pts.slice(1), 'C').map((p) => p.id)).toEqual(['B', 'C']);
  });
});

describe('planPointDelete', () => {
  const dops = (p: ReturnType<typeof planPointDelete>) =>
    p.steps.map((s) => (s.op === 'rebase' ? `rebase ${s.pointId}->${s.ontoId ?? 'flat'}` : `delete ${s.pointId}`));
  const abcd = chain(['A', null], ['B', 'A'], ['C', 'B'], ['D', 'C']);

  it('a middle incremental merges into its one dependant, which is rebased onto its parent', () => {
    const p = planPointDelete(abcd, 'B');
    expect(p.dependants).toEqual(['C']);
    expect(dops(p)).toEqual(['rebase C->A', 'delete B']);
    // Every remaining point still reaches a full.
    const after = abcd.filter((x) => x.id !== 'B').map((x) => (x.id === 'C' ? { ...x, parentId: 'A' } : x));
    for (const x of after) expect(chainOf(after, x.id)[0]).toMatchObject({ id: 'A', parentId: null });
  });

  it('a full flattens its dependant; the head (nothing depends on it) just goes', () => {
    expect(dops(planPointDelete(abcd, 'A'))).toEqual(['rebase B->flat', 'delete A']);
    expect(planPointDelete(abcd, 'D')).toEqual({
      dependants: [],
      steps: [{ op: 'delete', pointId: 'D', reason: 'deleted on request' }],
    });
  });

  it('points of other chains and VMs are untouched', () => {
    const two = [...abcd, ...chain(['X', null], ['Y', 'X']).map((p) => ({ ...p, vmId: 'vm-b' }))];
    expect(dops(planPointDelete(two, 'C'))).toEqual(['rebase D->B', 'delete C']);
  });
});
