import { describe, expect, it } from 'vitest';
import type { DrOverviewDto, DrSiteHostDto } from '@/lib/domain/dr/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatSec, rpoText } from './dr-bits';
import { jobBusyReason, protectChoices } from './dr-rules';

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

describe('protectChoices', () => {
  const vms = [
    vm('a', 'h1'),
    vm('b', 'h1'),
    vm('c', 'd1'),
    vm('r', 'd1', { role: 'replica' }),
    vm('t', 'd1', { role: 'dr-test' }),
    vm('f', 'h2', { drState: 'failed-over' }),
  ];

  it('offers only ordinary VMs not protected yet', () => {
    const { candidates } = protectChoices({ sites, jobs: [protectedJob] }, vms, '');
    expect(candidates.map((v) => v.id)).toEqual(['b', 'c']);
  });

  it('offers the hosts of every other site, saying which cannot take a replica', () => {
    const { vmSite, targets } = protectChoices({ sites, jobs: [] }, vms, 'b');
    expect(vmSite).toBe('main');
    expect(targets.map((t) => [t.id, t.site, t.unfitReason])).toEqual([
      ['d1', 'dr', null],
      ['d2', 'dr', 'offline'],
      ['d3', 'dr', 'simulated driver'],
      ['e1', 'edge', null],
    ]);
    // From site dr, the main and edge hosts.
    expect(protectChoices({ sites, jobs: [] }, vms, 'c').targets.map((t) => t.id)).toEqual(['h1', 'h2', 'e1']);
  });

  it('offers no target before a VM is chosen, nor for one that may not be protected', () => {
    expect(protectChoices({ sites, jobs: [] }, vms, '').targets).toEqual([]);
    expect(protectChoices({ sites, jobs: [] }, vms, 'r').targets).toEqual([]);
    expect(protectChoices({ sites, jobs: [protectedJob] }, vms, 'a').targets).toEqual([]);
  });
});

describe('jobBusyReason', () => {
  const job = {
    state: 'active' as const,
    running: false,
    activeTaskId: null as string | null,
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
    expect(jobBusyReason({ ...job, running: true, activeTaskId: 't1' })).toContain('replication run');
    expect(jobBusyReason({ ...job, activeTaskId: 't2' })).toBe('A DR task of this VM is under way');
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
