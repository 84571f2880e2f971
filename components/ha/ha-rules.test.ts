import { describe, expect, it } from 'vitest';
import type { HaHostDto, HaRestartDto } from '@/lib/domain/ha/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import {
  failoverCandidates,
  onSharedStorage,
  restartLastStepMs,
  restartOutageMs,
  restartSteps,
  targetOptions,
} from './ha-rules';

const t = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, 0) + s * 1000).toISOString();

const host = (over: Partial<HaHostDto>): HaHostDto => ({
  hostId: 'h1',
  hostName: 'h1',
  site: 'main',
  state: 'online',
  reason: '',
  since: t(0),
  leaseAgeMs: 500,
  leaseGeneration: 1,
  observedBy: 'h2',
  correctedErrors: 0,
  failoverHost: false,
  protectedVmCount: 0,
  memoryTotalMiB: 4096,
  memoryUsedMiB: 1024,
  ...over,
});
const vm = (over: Partial<VmDto>): VmDto => ({
  id: 'vm-a',
  name: 'a',
  state: 'running',
  guestReady: true,
  guestWarning: null,
  hostId: 'h2',
  hostName: 'h2',
  imageId: null,
  imageLabel: null,
  vcpus: 1,
  memoryMiB: 512,
  diskSizeBytes: 1,
  pool: 'shared',
  diskPath: '',
  haEnabled: false,
  haPriority: 'medium',
  haOrder: 0,
  tags: [],
  cpuPct: 0,
  rssBytes: 0,
  lastError: null,
  createdAt: t(0),
  activeTaskId: null,
  role: 'vm',
  replicaOfId: null,
  replicaOfName: null,
  drState: null,
  ...over,
});
const restart = (over: Partial<HaRestartDto>): HaRestartDto => ({
  id: 'r1',
  vmId: 'vm-a',
  vmName: 'a',
  fromHostId: 'h2',
  fromHostName: 'h2',
  targetHostId: null,
  targetHostName: null,
  state: 'pending',
  reason: '',
  manual: false,
  requestedBy: null,
  priority: 'medium',
  taskId: null,
  attempts: 0,
  failedAt: t(0),
  detectedAt: t(8),
  decidedAt: null,
  qemuUpAt: null,
  guestReadyAt: null,
  ...over,
});

describe('restartSteps', () => {
  it('gives each known step the seconds since the one before and since the failure', () => {
    const steps = restartSteps(
      restart({ failedAt: t(0), detectedAt: t(8.2), decidedAt: t(8.5), qemuUpAt: t(9.7), guestReadyAt: t(14) }),
    );
    expect(steps.map((s) => [s.label, s.sincePreviousMs, s.sinceFailureMs])).toEqual([
      ['Failure', null, 0],
      ['Detected', 8200, 8200],
      ['Decision', 300, 8500],
      ['QEMU up', 1200, 9700],
      ['Guest ready', 4300, 14000],
    ]);
  });

  it('skips unknown steps: a missing failure time gives no "since failure", a later step counts from the last known one', () => {
    const steps = restartSteps(restart({ failedAt: null, detectedAt: t(8), decidedAt: null, qemuUpAt: t(10) }));
    expect(steps.map((s) => [s.key, s.sincePreviousMs, s.sinceFailureMs])).toEqual([
      ['failedAt', null, null],
      ['detectedAt', null, null],
      ['decidedAt', null, null],
      ['qemuUpAt', 2000, null],
      ['guestReadyAt', null, null],
    ]);
  });

  it('measures the outage from the failure (else the detection) to guest ready (else QEMU up)', () => {
    expect(restartOutageMs(restart({ qemuUpAt: t(10), guestReadyAt: t(13) }))).toBe(13_000);
    expect(restartOutageMs(restart({ failedAt: null, qemuUpAt: t(10) }))).toBe(2_000);
    expect(restartOutageMs(restart({}))).toBeNull();
  });

  it('dates a restart by its latest known step (restarts of one failure share their detection)', () => {
    expect(restartLastStepMs(restart({ decidedAt: t(9), qemuUpAt: t(11) }))).toBe(Date.parse(t(11)));
    expect(restartLastStepMs(restart({}))).toBe(Date.parse(t(8)));
  });
});

describe('failoverCandidates', () => {
  const haHosts = [host({ hostId: 'h1', hostName: 'h1' }), host({ hostId: 'h2', hostName: 'h2', state: 'failed' })];
  const hosts = [
    {
      id: 'h2',
      pools: [{ name: 'local', kind: 'local' as const, path: '/l', totalBytes: 1, freeBytes: 1, updatedAt: t(0) }],
    },
  ];

  it('lists the live VMs of failed hosts only, local-disk ones refused with the reason', () => {
    const list = failoverCandidates(
      [
        vm({ id: 'a', name: 'a' }),
        vm({ id: 'b', name: 'b', pool: 'local' }),
        vm({ id: 'c', name: 'c', hostId: 'h1' }),
        vm({ id: 'd', name: 'd', state: 'stopped' }),
      ],
      haHosts,
      [],
      hosts,
    );
    expect(list.map((c) => [c.vm.id, c.disabledReason])).toEqual([
      ['a', null],
      ['b', "Its disk is on h2's local storage: no other host can reach it"],
    ]);
  });

  it('shows a pending restart and refuses a second one while it runs', () => {
    const list = failoverCandidates(
      [vm({ id: 'a' }), vm({ id: 'b', name: 'b' })],
      haHosts,
      [
        restart({ vmId: 'a', state: 'pending', reason: 'no room' }),
        restart({ id: 'r2', vmId: 'b', state: 'restarting', targetHostName: 'h1' }),
      ],
      hosts,
    );
    expect(list.map((c) => [c.vm.id, c.restart?.state, c.disabledReason])).toEqual([
      ['a', 'pending', null],
      ['b', 'restarting', 'Being restarted on h1'],
    ]);
  });

  it('reads the pool kind from the host when the pool has another name', () => {
    const shared = [
      {
        id: 'h2',
        pools: [{ name: 'san', kind: 'shared' as const, path: '/s', totalBytes: 1, freeBytes: 1, updatedAt: t(0) }],
      },
    ];
    expect(onSharedStorage({ pool: 'san', hostId: 'h2' }, shared)).toBe(true);
    expect(onSharedStorage({ pool: 'local', hostId: 'h2' }, shared)).toBe(false);
  });
});

describe('targetOptions', () => {
  it('offers the other hosts, fit ones first: failover hosts, then most free memory', () => {
    const options = targetOptions(
      [
        host({ hostId: 'a', memoryUsedMiB: 3900 }),
        host({ hostId: 'b', memoryUsedMiB: 2000 }),
        host({ hostId: 'c', memoryUsedMiB: 3000, failoverHost: true }),
        host({ hostId: 'd', state: 'fenced' }),
        host({ hostId: 'e', memoryUsedMiB: 0 }),
        host({ hostId: 'h2', state: 'failed' }),
        host({ hostId: 'dr1', site: 'dr', memoryUsedMiB: 0 }),
      ],
      { hostId: 'h2', memoryMiB: 512 },
      new Set(['e']),
    );
    expect(options.map((o) => [o.host.hostId, o.unfitReason])).toEqual([
      ['c', null],
      ['b', null],
      ['e', 'in maintenance'],
      ['dr1', 'site dr'], // another site's host: restarts stay in the failed host's site
      ['d', 'fenced'],
      ['a', 'not enough free memory'],
    ]);
  });
});
