// The HA tick against the test database and fake agents answering GET /v1/ha/status over real
// HTTP (the typed client, its validation and timeouts run as in production).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HaStatus, PeerLease } from '@/lib/agent-protocol/ha';
import { db } from '@/lib/db/client';
import { setHostMaintenance } from '@/lib/domain/hosts/maintenance';
import { admin, clearTables, seedUsers } from '@/lib/testing/fixtures';
import { seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { haTick } from './monitor';
import { getHaOverview } from './queries';

const testDb = createTestDb();
const NAMES = ['h1', 'h2', 'h3'] as const;
type Name = (typeof NAMES)[number];

// What each fake agent says: its view of the others' leases, its own lease, its EDAC count.
const world = {
  peers: {} as Record<Name, Partial<Record<Name, PeerLease['state']>>>,
  fenced: {} as Partial<Record<Name, boolean>>,
  ce: {} as Partial<Record<Name, number>>,
};
const agents = {} as Record<Name, FakeAgent>;
const hostIds = {} as Record<Name, string>;

function statusOf(name: Name): HaStatus {
  const fenced = world.fenced[name] ?? false;
  return {
    host: name,
    timing: { renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 },
    lease: {
      generation: 1,
      counter: 10,
      lastRenewAgeMs: 200,
      valid: !fenced,
      fenced,
      fencedAt: fenced ? new Date().toISOString() : null,
      fencedVmIds: [],
      lastError: null,
    },
    peers: NAMES.filter((n) => n !== name).map((n) => {
      const state = world.peers[name][n] ?? 'live';
      return {
        host: n,
        generation: 1,
        counter: 10,
        renewedAt: new Date().toISOString(),
        unchangedForMs: state === 'expired' ? 8_400 : 300,
        lastReadAgeMs: 100,
        state,
      };
    }),
    edac: { readable: true, correctedErrors: world.ce[name] ?? 3, uncorrectedErrors: 0 },
  };
}

beforeAll(async () => {
  for (const n of NAMES) agents[n] = await startFakeAgent({ 'GET /v1/ha/status': () => statusOf(n) });
});
afterAll(async () => {
  for (const n of NAMES) await agents[n].close();
  testDb.cleanup();
});

beforeEach(async () => {
  await clearTables(
    'taskStep',
    'task',
    'haRestart',
    'haEvent',
    'haHostState',
    'haPolicy',
    'vm',
    'auditEvent',
    'storagePool',
    'host',
    'user',
  );
  await seedUsers();
  await db().haPolicy.create({ data: { id: 'cluster' } });
  for (const n of NAMES) {
    world.peers[n] = {};
    hostIds[n] = (await seedFakeAgentHost(n, agents[n])).id;
  }
  world.fenced = {};
  world.ce = {};
});
afterEach(() => undefined);

const tick = (managerId = 'w1') => haTick({ managerId });
const states = async () =>
  Object.fromEntries(
    (await db().haHostState.findMany()).map((s) => [NAMES.find((n) => hostIds[n] === s.hostId), s.state]),
  );
const events = async () => (await db().haEvent.findMany({ orderBy: { at: 'asc' } })).map((e) => e.kind);
async function seedVm(
  host: Name,
  id: string,
  over: { haEnabled?: boolean; memoryMiB?: number; haPriority?: string; state?: string } = {},
) {
  return db().vm.create({
    data: {
      id,
      name: id,
      hostId: hostIds[host],
      state: over.state ?? 'running',
      vcpus: 1,
      memoryMiB: over.memoryMiB ?? 512,
      diskSizeBytes: BigInt(1024 ** 3),
      pool: 'shared',
      haEnabled: over.haEnabled ?? true,
      haPriority: over.haPriority ?? 'medium',
    },
  });
}
// h1 is dead: unreachable, no heartbeat, and both peers have watched its lease expire.
async function killH1() {
  await db().host.update({
    where: { id: hostIds.h1 },
    data: { agentUrl: 'http://127.0.0.1:1', lastHeartbeat: new Date(Date.now() - 20_000) },
  });
  world.peers.h2.h1 = 'expired';
  world.peers.h3.h1 = 'expired';
}

describe('haTick', () => {
  it('records every host online without timeline noise when all is well', async () => {
    await tick();
    expect(await states()).toEqual({ h1: 'online', h2: 'online', h3: 'online' });
    expect(await events()).toEqual([]);
  });

  it('fails a host whose lease its peers saw expire and queues restarts for its HA VMs, high priority first', async () => {
    // h3: 1 GiB free
    await db().host.update({ where: { id: hostIds.h3 }, data: { memoryUsedBytes: BigInt(15 * 1024 ** 3) } });
    await seedVm('h1', 'vm-low', { haPriority: 'low' });
    await seedVm('h1', 'vm-high', { haPriority: 'high' });
    await seedVm('h1', 'vm-plain', { haEnabled: false });
    await seedVm('h1', 'vm-off', { state: 'stopped' });
    await tick();
    await killH1();
    await tick();
    expect((await states()).h1).toBe('failed');
    const restarts = await db().haRestart.findMany({ orderBy: { decidedAt: 'asc' } });
    expect(restarts.map((r) => [r.vmId, r.state, r.targetHostId])).toEqual([
      ['vm-high', 'restarting', hostIds.h2],
      ['vm-low', 'restarting', hostIds.h2],
    ]);
    for (const r of restarts) {
      expect(r.detectedAt.getTime() - r.failedAt!.getTime()).toBeGreaterThanOrEqual(8_400);
      expect(await db().task.findUniqueOrThrow({ where: { id: r.taskId! } })).toMatchObject({
        kind: 'vm.ha-restart',
        state: 'queued',
        targetId: r.vmId,
      });
    }
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-plain' } })).lastError).toMatch(
      /h1 failed.*restart it on another host from the HA page/,
    );
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-plain' } })).state).toBe('running'); // not HA: left as reported, with the hint
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-high' } })).state).toBe('starting');
    expect(await events()).toEqual([
      'lease-expired',
      'restart-pending',
      'restart-pending',
      'restart-started',
      'restart-started',
    ]);
    const audit = await db().auditEvent.findMany();
    expect(audit.map((a) => [a.action, a.actorName, a.targetName])).toEqual([['ha.host.failed', 'system', 'h1']]);
    // The next tick keeps the state and adds nothing.
    await tick();
    expect(await db().haRestart.count()).toBe(2);
    expect(await db().task.count()).toBe(2);
    const overview = await getHaOverview();
    expect(overview.hosts.find((h) => h.hostName === 'h1')).toMatchObject({
      state: 'failed',
      observedBy: 'h2',
      leaseAgeMs: 8_400,
      protectedVmCount: 2,
    });
    expect(overview.protection).toMatchObject({ protectedVms: 2, runningProtected: 0 });
  });

  it('never restarts a DR replica, a DR test copy or a failed-over VM (its replica is the VM)', async () => {
    await seedVm('h1', 'vm-ok');
    for (const [id, data] of [
      ['vm-replica', { role: 'replica' }],
      ['vm-drtest', { role: 'dr-test' }],
      ['vm-failed-over', { drState: 'failed-over' }],
    ] as const) {
      await seedVm('h1', id);
      await db().vm.update({ where: { id }, data });
    }
    await tick();
    await killH1();
    await tick();
    expect((await db().haRestart.findMany()).map((r) => r.vmId)).toEqual(['vm-ok']);
  });

  it('with HA disabled, tracks the failure and tells which VMs are down, but restarts nothing', async () => {
    await db().haPolicy.update({ where: { id: 'cluster' }, data: { enabled: false } });
    await seedVm('h1', 'vm-a');
    await killH1();
    await tick();
    expect((await states()).h1).toBe('failed');
    expect(await db().haRestart.count()).toBe(0);
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).lastError).toMatch(
      /HA is disabled: restart it on another host from the HA page/,
    );
  });

  it('keeps a restart pending with the reason when no healthy host has room, and places it once room appears', async () => {
    await seedVm('h1', 'vm-a', { memoryMiB: 12_000 });
    await killH1();
    await tick();
    const pending = await db().haRestart.findFirstOrThrow();
    expect(pending).toMatchObject({
      state: 'pending',
      reason: expect.stringContaining('Waiting for capacity: needs 12000 MiB'),
    });
    await db().host.update({ where: { id: hostIds.h3 }, data: { memoryUsedBytes: BigInt(0) } });
    await tick();
    expect(await db().haRestart.findFirstOrThrow()).toMatchObject({ state: 'restarting', targetHostId: hostIds.h3 });
  });

  it('shows a host the dashboard cannot reach but whose lease peers see live as isolated, and restarts nothing', async () => {
    await seedVm('h1', 'vm-a');
    await db().host.update({
      where: { id: hostIds.h1 },
      data: { agentUrl: 'http://127.0.0.1:1', lastHeartbeat: new Date(Date.now() - 60_000) },
    });
    await tick();
    await tick();
    expect((await states()).h1).toBe('isolated');
    expect(await db().haRestart.count()).toBe(0);
    expect(await events()).toEqual(['host-isolated']);
    expect((await db().haHostState.findUniqueOrThrow({ where: { hostId: hostIds.h1 } })).reason).toMatch(
      /cannot reach its agent .*its VMs are not restarted/,
    );
  });

  it('shows fenced before the peers declare expiry, then failed; a host whose lease comes back cancels its pending restarts', async () => {
    await seedVm('h1', 'vm-big', { memoryMiB: 30_000 }); // never fits: stays pending
    world.fenced.h1 = true;
    await tick();
    expect((await states()).h1).toBe('fenced');
    world.peers.h2.h1 = 'expired';
    await tick();
    expect((await states()).h1).toBe('failed');
    expect((await db().haRestart.findFirstOrThrow()).state).toBe('pending');
    world.fenced.h1 = false;
    world.peers.h2.h1 = 'live';
    await tick();
    expect((await states()).h1).toBe('online');
    expect(await db().haRestart.findFirstOrThrow()).toMatchObject({
      state: 'cancelled',
      reason: 'Not needed: its host is online again',
    });
    expect(await events()).toEqual(['host-fenced', 'lease-expired', 'restart-pending', 'host-recovered']);
  });

  it('evacuates a host whose corrected memory errors cross the threshold, and forgives them after maintenance', async () => {
    await db().haPolicy.update({ where: { id: 'cluster' }, data: { edacThreshold: 10 } });
    world.ce.h2 = 100; // baseline: errors from before watching do not count
    await tick();
    world.ce.h2 = 109;
    await tick();
    expect((await states()).h2).toBe('online');
    world.ce.h2 = 110;
    await tick();
    expect((await states()).h2).toBe('degraded');
    const host = await db().host.findUniqueOrThrow({ where: { id: hostIds.h2 } });
    expect(host.maintenance).toBe(true);
    expect(await db().task.findFirstOrThrow({ where: { kind: 'host.evacuate' } })).toMatchObject({
      targetId: hostIds.h2,
      createdByName: 'system',
    });
    const audit = await db().auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.result, a.actorName])).toEqual([
      ['ha.host.degraded', 'succeeded', 'system'],
      ['host.maintenance.enter', 'accepted', 'system'],
      ['ha.host.evacuate', 'accepted', 'system'],
    ]);
    await tick(); // still degraded, already in maintenance: nothing more
    expect(await db().task.count({ where: { kind: 'host.evacuate' } })).toBe(1);
    await db().task.updateMany({ data: { state: 'succeeded' } });
    await setHostMaintenance(admin, hostIds.h2, { enabled: false });
    await tick();
    expect((await states()).h2).toBe('online');
    expect((await db().haHostState.findUniqueOrThrow({ where: { hostId: hostIds.h2 } })).edacBaseline).toBe(110);
  });

  it('runs one manager at a time: another worker waits until the lease lapses', async () => {
    await tick('w1');
    await db().haHostState.deleteMany();
    await tick('w2');
    expect(await db().haHostState.count()).toBe(0);
    await db().haPolicy.update({ where: { id: 'cluster' }, data: { managerLeaseUntil: new Date(Date.now() - 1) } });
    await tick('w2');
    expect(await db().haHostState.count()).toBe(3);
    expect((await db().haPolicy.findUniqueOrThrow({ where: { id: 'cluster' } })).managerLeaseBy).toBe('w2');
  });

  it('restarts an HA VM that crashed on a healthy host in place, once', async () => {
    await seedVm('h2', 'vm-c', { state: 'crashed' });
    await tick();
    const r = await db().haRestart.findFirstOrThrow();
    expect(r).toMatchObject({
      state: 'restarting',
      fromHostId: hostIds.h2,
      targetHostId: hostIds.h2,
      pinnedHostId: hostIds.h2,
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-c' } })).state).toBe('starting'); // the task owns it now
    // It came up and crashed again at once: not restarted again within the cooldown.
    await db().task.updateMany({ data: { state: 'succeeded' } });
    await db().haRestart.updateMany({ data: { state: 'running', qemuUpAt: new Date() } });
    await db().vm.update({ where: { id: 'vm-c' }, data: { state: 'crashed' } });
    await tick();
    expect(await db().haRestart.count()).toBe(1);
    await db().haRestart.updateMany({ data: { qemuUpAt: new Date(Date.now() - 61_000) } });
    await tick();
    expect(await db().haRestart.count()).toBe(2);
  });
});
