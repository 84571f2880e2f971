import { describe, expect, it } from 'vitest';
import type { RuleDto } from '@/lib/domain/balancer/dto';
import { placementRules } from '@/lib/domain/balancer/placement-rules';
import type { PlacementHost } from '@/lib/domain/vms/placement';
import { planEvacuation } from './evacuation-plan';

const GiB = 1024 ** 3;
const host = (id: string, freeGiB: number, extra: Partial<PlacementHost> = {}): PlacementHost => ({
  id,
  name: id,
  site: 'main',
  online: true,
  memoryTotalBytes: 16 * GiB,
  memoryUsedBytes: (16 - freeGiB) * GiB,
  vms: [],
  ...extra,
});
const vm = (id: string, memoryMiB: number) => ({ id, name: id, memoryMiB });

describe('planEvacuation', () => {
  it('spreads over every host that can take a VM, even when one host is much emptier', () => {
    const plan = planEvacuation(
      'src',
      [host('src', 1), host('big', 12), host('small', 2)],
      [vm('a', 512), vm('b', 512)],
    );
    expect(new Set(plan.assignments.map((a) => a.hostId))).toEqual(new Set(['big', 'small']));
    expect(plan.unplaced).toEqual([]);
  });

  it('then follows free memory after each placement, biggest VM first', () => {
    const plan = planEvacuation(
      'src',
      [host('src', 1), host('h1', 4), host('h2', 3)],
      [vm('s', 512), vm('l', 2048), vm('m', 1024), vm('t', 256)],
    );
    // l -> h1 (4 GiB), m -> h2 (3 GiB, not yet used), s -> h1 (2 GiB left vs 2 GiB: name), t -> h2 (2 GiB vs 1.5 GiB)
    expect(plan.assignments.map((a) => `${a.vmId}:${a.hostId}`)).toEqual(['l:h1', 'm:h2', 's:h1', 't:h2']);
  });

  it("never plans beyond a host's capacity, and says why a VM stays", () => {
    const plan = planEvacuation('src', [host('src', 1), host('h1', 1)], [vm('a', 768), vm('b', 768)]);
    expect(plan.assignments).toEqual([{ vmId: 'a', hostId: 'h1', hostName: 'h1' }]);
    expect(plan.unplaced).toEqual([{ vmId: 'b', reason: expect.stringMatching(/768 MiB free/) }]);
  });

  it('skips offline hosts, hosts in maintenance and the source itself', () => {
    const plan = planEvacuation(
      'src',
      [host('src', 12), host('off', 12, { online: false }), host('maint', 12, { maintenance: true })],
      [vm('a', 256)],
    );
    expect(plan.assignments).toEqual([]);
    expect(plan.unplaced[0].reason).toMatch(/no other host of site main is online/);
  });

  it("stays inside the source host's site, however empty another site's hosts are", () => {
    const hosts = [host('src', 1, { site: 'dr' }), host('main1', 12), host('dr2', 1.5, { site: 'dr' })];
    const plan = planEvacuation('src', hosts, [vm('a', 1024), vm('b', 1024)]);
    expect(plan.assignments.map((a) => a.hostId)).toEqual(['dr2']);
    expect(plan.unplaced).toEqual([{ vmId: 'b', reason: 'no other host has 1024 MiB free' }]);
    const alone = planEvacuation('src', [host('src', 1, { site: 'dr' }), host('main1', 12)], [vm('a', 256)]);
    expect(alone.unplaced[0].reason).toBe('no other host of site dr is online and out of maintenance');
  });

  const spread: RuleDto = { id: 'r1', kind: 'vm-vm-anti-affinity', name: 'web apart', tag: 'web' };
  const onH2: RuleDto = {
    id: 'r2',
    kind: 'vm-host-affinity',
    name: 'db on h2',
    tag: 'db',
    hostIds: ['h2'],
    strength: 'must',
  };
  const tagged = (id: string, tags: string[], hostId = 'src') => ({ id, name: id, tags, hostIds: [hostId] });

  it('a must rule sends the VM to its host even when another has more room', () => {
    const rules = placementRules([onH2], [tagged('a', ['db'])]);
    const plan = planEvacuation('src', [host('src', 1), host('h1', 8), host('h2', 2)], [vm('a', 256)], rules);
    expect(plan.assignments).toEqual([{ vmId: 'a', hostId: 'h2', hostName: 'h2' }]);
  });

  it('anti-affinity counts the VMs already there and those this plan placed; a VM no host may take stays, naming the rule', () => {
    // h3 already runs a web VM; three web VMs leave src for h1, h2, h3: only two can go.
    const rules = placementRules(
      [spread],
      [tagged('a', ['web']), tagged('b', ['web']), tagged('c', ['web']), tagged('w', ['web'], 'h3')],
    );
    const plan = planEvacuation(
      'src',
      [host('src', 1), host('h1', 8), host('h2', 8), host('h3', 12)],
      [vm('a', 512), vm('b', 512), vm('c', 512)],
      rules,
    );
    expect(plan.assignments.map((x) => `${x.vmId}:${x.hostId}`)).toEqual(['a:h1', 'b:h2']);
    expect(plan.unplaced).toEqual([
      {
        vmId: 'c',
        reason:
          'placement rule "web apart" allows none of the hosts with room (on h1: VM a, also tagged "web", is on h1)',
      },
    ]);
  });

  it('VMs the rules do not name spread as before', () => {
    const rules = placementRules([spread, onH2], [tagged('a', []), tagged('b', [])]);
    const plan = planEvacuation(
      'src',
      [host('src', 1), host('h1', 8), host('h2', 2)],
      [vm('a', 512), vm('b', 512)],
      rules,
    );
    expect(new Set(plan.assignments.map((x) => x.hostId))).toEqual(new Set(['h1', 'h2']));
  });
});
