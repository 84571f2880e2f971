import { describe, expect, it } from 'vitest';
import { placementRules } from '@/lib/domain/balancer/placement-rules';
import type { RuleDto } from '@/lib/domain/balancer/dto';
import type { HaHostState } from './dto';
import { planRestarts, type PlanHost, type PlanRestart } from './restart-plan';

const GiB = 1024 ** 3;
const host = (id: string, freeGiB: number, over: Partial<PlanHost> = {}): PlanHost => ({
  id,
  name: id,
  site: 'main',
  online: true,
  maintenance: false,
  memoryTotalBytes: 16 * GiB,
  memoryUsedBytes: (16 - freeGiB) * GiB,
  vms: [],
  haState: 'online' as HaHostState,
  ...over,
});
const restart = (vmId: string, over: Partial<PlanRestart> = {}): PlanRestart => ({
  id: `r-${vmId}`,
  vmId,
  vmName: vmId,
  memoryMiB: 1024,
  priority: 'medium',
  order: 0,
  fromHostId: 'dead',
  inPlace: false,
  targetHostId: null,
  ...over,
});
const noRules = () => placementRules([], []);

describe('planRestarts', () => {
  it('restarts high priority first, then by order and name, each on the host with most free memory', () => {
    const hosts = [host('dead', 8, { haState: 'failed' }), host('a', 2), host('b', 1.5)];
    const out = planRestarts(
      [
        restart('zeta', { priority: 'low' }),
        restart('beta', { order: 2 }),
        restart('alpha', { order: 2 }),
        restart('top', { priority: 'high', order: 9 }),
      ],
      hosts,
      noRules(),
    );
    expect(out.map((d) => [d.restartId, d.targetHostId])).toEqual([
      ['r-top', 'a'], // a: 2048 MiB free -> 1024 left
      ['r-alpha', 'b'], // b has 1536, a 1024
      ['r-beta', 'a'], // a 1024 = b 512? a wins with 1024
      ['r-zeta', null], // 0 and 512 left
    ]);
    expect(out[3]).toMatchObject({
      reason: expect.stringContaining(
        'Waiting for capacity: needs 1024 MiB; the emptiest healthy host, b, has 512 MiB free',
      ),
    });
  });

  it('never picks the failed host, a host that is not online in HA terms, or one in maintenance', () => {
    const hosts = [
      host('dead', 8, { haState: 'failed' }),
      host('iso', 8, { haState: 'isolated' }),
      host('sus', 8, { haState: 'suspect' }),
      host('mnt', 8, { maintenance: true }),
    ];
    const [d] = planRestarts([restart('vm')], hosts, noRules());
    expect(d.targetHostId).toBeNull();
    expect(d).toMatchObject({ reason: 'Waiting for a healthy host (iso isolated, sus suspect, mnt in maintenance)' });
  });

  it('obeys anti-affinity, counting restarts decided in the same pass', () => {
    const rules: RuleDto[] = [{ id: 'r1', name: 'spread db', tag: 'db', kind: 'vm-vm-anti-affinity' }];
    const vms = [
      { id: 'db1', name: 'db1', tags: ['db'], hostIds: ['dead'] },
      { id: 'db2', name: 'db2', tags: ['db'], hostIds: ['dead'] },
      { id: 'db3', name: 'db3', tags: ['db'], hostIds: ['dead'] },
    ];
    const hosts = [host('dead', 8, { haState: 'failed' }), host('a', 8), host('b', 4)];
    const out = planRestarts([restart('db1'), restart('db2'), restart('db3')], hosts, placementRules(rules, vms));
    expect(out.map((d) => d.targetHostId)).toEqual(['a', 'b', null]);
    expect(out[2]).toMatchObject({ reason: expect.stringContaining('Placement rule "spread db"') });
  });

  it('puts restarts on failover hosts first when the policy keeps some', () => {
    const hosts = [host('dead', 8, { haState: 'failed' }), host('big', 8), host('spare', 2)];
    expect(planRestarts([restart('vm')], hosts, noRules(), ['spare'])[0].targetHostId).toBe('spare');
    expect(planRestarts([restart('vm')], hosts, noRules())[0].targetHostId).toBe('big');
  });

  it('keeps a pinned restart to its host: in place on its own host, a named manual target', () => {
    const hosts = [host('home', 4), host('a', 8)];
    expect(
      planRestarts([restart('vm', { fromHostId: 'home', inPlace: true, targetHostId: 'home' })], hosts, noRules())[0]
        .targetHostId,
    ).toBe('home');
    const hosts2 = [host('dead', 8, { haState: 'failed' }), host('a', 8), host('small', 0.5)];
    const [d] = planRestarts([restart('vm', { targetHostId: 'small' })], hosts2, noRules());
    expect(d).toMatchObject({ targetHostId: null, reason: expect.stringContaining('small, has 512 MiB free') });
  });

  it("restarts only onto hosts of the failed host's site, and says so when none is left", () => {
    const hosts = [host('dead', 8, { haState: 'failed' }), host('dr1', 12, { site: 'dr' }), host('m2', 2)];
    expect(planRestarts([restart('vm')], hosts, noRules())[0].targetHostId).toBe('m2');
    const [alone] = planRestarts([restart('vm')], [hosts[0], hosts[1]], noRules());
    expect(alone).toMatchObject({ targetHostId: null, reason: 'No other host of site main exists' });
    const [named] = planRestarts([restart('vm', { targetHostId: 'dr1' })], hosts, noRules());
    expect(named).toMatchObject({
      targetHostId: null,
      reason: 'Host dr1 is in site dr; vm ran in site main (sites share no storage)',
    });
  });
});
