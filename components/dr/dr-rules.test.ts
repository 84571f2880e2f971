import { describe, expect, it } from 'vitest';
import type { DrJobDto, DrOverviewDto, DrSiteHostDto, ReplicationRunDto } from '@/lib/domain/dr/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { failbackText, formatSec, rpoText } from './dr-bits';
import { jobBusyReason, lastRunDataBytes, protectChoices, unprotectableReason } from './dr-rules';

const host = (id: string, over: Partial<DrSiteHostDto> = {}): DrSiteHostDto => ({
  id,
  name: id,
  status: 'online',
  maintenance: false,
  driver: 'qemu',
  vmCount: 0,
  ...over,
});
const vm = (id: string, hostId: string, over: Partial<VmDto> = {}) =>
  ({ id, name: id, hostId, role: 'vm', drState: null, ...over }) as VmDto;

const sites: DrOverviewDto['sites'] = [
  { name: 'main', hosts: [host('h1'), host('h2')] },
  { name: 'dr', hosts: [host('d1'), host('d2', { status: 'offline' }), host('d3', { driver: 'simulated' })] },
  { name: 'edge', hosts: [host('e1')] },
];
const protectedJob = { vm: { id: 'a' } } as DrOverviewDto['jobs'][number];

describe('unprotectableReason', () => {
  it('refuses replicas, test copies, failed-over and protected VMs, with why', () => {
    const overview = { jobs: [protectedJob] };
    expect(unprotectableReason(overview, vm('b', 'h1'))).toBeNull();
    expect(unprotectableReason(overview, vm('a', 'h1'))).toBe('Protected already');
    expect(unprotectableReason(overview, vm('r', 'd1', { role: 'replica' }))).toContain('replica');
    expect(unprotectableReason(overview, vm('t', 'd1', { role: 'dr-test' }))).toBe('A DR test copy');
    expect(unprotectableReason(overview, vm('f', 'h2', { drState: 'failed-over' }))).toContain('Failed over');
  });
});

describe('protectChoices', () => {
  it('offers the hosts of every other site, saying which cannot take a replica', () => {
    const { vmSite, targets } = protectChoices({ sites, jobs: [] }, vm('b', 'h1'));
    expect(vmSite).toBe('main');
    expect(targets.map((t) => [t.id, t.site, t.unfitReason])).toEqual([
      ['d1', 'dr', null],
      ['d2', 'dr', 'offline'],
      ['d3', 'dr', 'simulated driver'],
      ['e1', 'edge', null],
    ]);
    // From site dr, the main and edge hosts.
    expect(protectChoices({ sites, jobs: [] }, vm('c', 'd1')).targets.map((t) => t.id)).toEqual(['h1', 'h2', 'e1']);
  });

  it('offers no target before a VM is chosen, nor for one that may not be protected', () => {
    expect(protectChoices({ sites, jobs: [] }, null).targets).toEqual([]);
    expect(protectChoices({ sites, jobs: [] }, vm('r', 'd1', { role: 'replica' })).targets).toEqual([]);
    expect(protectChoices({ sites, jobs: [protectedJob] }, vm('a', 'h1')).targets).toEqual([]);
  });
});

describe('jobBusyReason', () => {
  const job = {
    state: 'active' as const,
    running: false,
    activeTaskId: null as string | null,
    activeTaskKind: null as string | null,
    vm: { name: 'web' },
    replica: { name: 'web-replica' },
  } as Parameters<typeof jobBusyReason>[0];

  it('is null for an idle active job', () => {
    expect(jobBusyReason(job)).toBeNull();
  });
  it('names the failover, then a run in progress, then any other DR task', () => {
    expect(jobBusyReason({ ...job, state: 'failed-over', running: true })).toBe(
      'web failed over to web-replica: replication stopped',
    );
    expect(jobBusyReason({ ...job, running: true, activeTaskId: 't1', activeTaskKind: 'replication.run' })).toContain(
      'replication run',
    );
    expect(jobBusyReason({ ...job, activeTaskId: 't2' })).toBe('A DR task of this VM is under way');
  });
  it('lets failover and test failover through a replication run (they wait for it), not other tasks', () => {
    const run = { ...job, running: true, activeTaskId: 't1', activeTaskKind: 'replication.run' };
    expect(jobBusyReason(run, { runsYield: true })).toBeNull();
    expect(jobBusyReason({ ...run, running: false }, { runsYield: true })).toBeNull(); // queued
    expect(jobBusyReason({ ...run, activeTaskKind: 'dr.failover' }, { runsYield: true })).toBe(
      'A DR task of this VM is under way',
    );
  });
});

describe('formatSec / rpoText', () => {
  it('says seconds, never milliseconds, and minutes past one', () => {
    expect([0, 0.4, 3, 59.6, 60, 185, null].map(formatSec)).toEqual([
      '0 s',
      '0 s',
      '3 s',
      '1m 00s',
      '1m 00s',
      '3m 05s',
      '—',
    ]);
  });
  it('has no RPO to show once the replica took over', () => {
    expect(rpoText({ state: 'active', rpoSec: 12, rpoTargetSec: 30 })).toBe('12 s / 30 s');
    expect(rpoText({ state: 'active', rpoSec: null, rpoTargetSec: 30 })).toBe('— / 30 s');
    expect(rpoText({ state: 'failed-over', rpoSec: 7, rpoTargetSec: 30 })).toBe('replication stopped');
  });
});

describe('data sent', () => {
  const point = (id: string, layerBytes: number) =>
    ({ id, layerBytes, bytesSent: 64 * 1024 * 1024 }) as DrJobDto['points'][number];
  const run = (over: Partial<ReplicationRunDto>) =>
    ({
      status: 'succeeded',
      direction: 'forward',
      pointId: 'p2',
      bytesSent: 64 << 20,
      bytesPulled: 0,
      ...over,
    }) as ReplicationRunDto;

  it("is the last run's point layer (what travelled), not the range it covered", () => {
    const points = [point('p2', 196_608), point('p1', 12 << 20)];
    expect(lastRunDataBytes({ points, lastRun: run({}) })).toBe(196_608);
    expect(lastRunDataBytes({ points, lastRun: run({ pointId: 'gone' }) })).toBeNull();
    expect(lastRunDataBytes({ points, lastRun: run({ status: 'failed' }) })).toBeNull();
    expect(lastRunDataBytes({ points, lastRun: null })).toBeNull();
    expect(
      lastRunDataBytes({ points, lastRun: run({ direction: 'reverse', bytesSent: 4096, bytesPulled: 65_536 }) }),
    ).toBe(69_632);
  });

  it('says how much a failback moved against a full copy', () => {
    const f = { reverseRuns: 2, bytesSent: 3 << 20, bytesPulled: 1 << 20, fullCopyBytes: 64 << 20 };
    expect(failbackText(f)).toBe('2 reverse runs · 4 MiB sent (1 MiB pulled) against a full copy of 64 MiB');
    expect(failbackText({ ...f, reverseRuns: 1, bytesPulled: 0 })).toBe(
      '1 reverse run · 3 MiB sent against a full copy of 64 MiB',
    );
    expect(rpoText({ state: 'failing-back', rpoSec: 7, rpoTargetSec: 30 })).toBe('replicating back');
  });
});
