import { describe, expect, it } from 'vitest';
import type { PlacementHost } from '@/lib/domain/vms/placement';
import { planEvacuation } from './evacuation-plan';

const GiB = 1024 ** 3;
const host = (id: string, freeGiB: number, extra: Partial<PlacementHost> = {}): PlacementHost => ({
  id, name: id, online: true, memoryTotalBytes: 16 * GiB, memoryUsedBytes: (16 - freeGiB) * GiB, vms: [], ...extra,
});
const vm = (id: string, memoryMiB: number) => ({ id, name: id, memoryMiB });

describe('planEvacuation', () => {
  it('spreads over every host that can take a VM, even when one host is much emptier', () => {
    const plan = planEvacuation('src', [host('src', 1), host('big', 12), host('small', 2)], [vm('a', 512), vm('b', 512)]);
    expect(new Set(plan.assignments.map((a) => a.hostId))).toEqual(new Set(['big', 'small']));
    expect(plan.unplaced).toEqual([]);
  });

  it('then follows free memory after each placement, biggest VM first', () => {
    const plan = planEvacuation('src', [host('src', 1), host('h1', 4), host('h2', 3)], [vm('s', 512), vm('l', 2048), vm('m', 1024), vm('t', 256)]);
    // l -> h1 (4 GiB), m -> h2 (3 GiB, not yet used), s -> h1 (2 GiB left vs 2 GiB: name), t -> h2 (2 GiB vs 1.5 GiB)
    expect(plan.assignments.map((a) => `${a.vmId}:${a.hostId}`)).toEqual(['l:h1', 'm:h2', 's:h1', 't:h2']);
  });

  it('never plans beyond a host\'s capacity, and says why a VM stays', () => {
    const plan = planEvacuation('src', [host('src', 1), host('h1', 1)], [vm('a', 768), vm('b', 768)]);
    expect(plan.assignments).toEqual([{ vmId: 'a', hostId: 'h1', hostName: 'h1' }]);
    expect(plan.unplaced).toEqual([{ vmId: 'b', reason: expect.stringMatching(/768 MiB free/) }]);
  });

  it('skips offline hosts, hosts in maintenance and the source itself', () => {
    const plan = planEvacuation('src', [host('src', 12), host('off', 12, { online: false }), host('maint', 12, { maintenance: true })], [vm('a', 256)]);
    expect(plan.assignments).toEqual([]);
    expect(plan.unplaced[0].reason).toMatch(/no other host is online/);
  });

  it('a rule check can veto a host (affinity)', () => {
    const plan = planEvacuation('src', [host('src', 1), host('h1', 8), host('h2', 2)], [vm('a', 256)], (_vm, hostId) => hostId !== 'h1');
    expect(plan.assignments).toEqual([{ vmId: 'a', hostId: 'h2', hostName: 'h2' }]);
  });
});
