import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { estimateMigration } from '@/lib/domain/migrations/queries';
import { queueMigration } from '@/lib/domain/migrations/service';
import { createVm, runVmAction } from '@/lib/domain/vms/service';
import { admin, clearTables, operator, seedHost, seedImage, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { haPolicyRow } from './policy';
import { getHaOverview } from './queries';
import { cancelRestart, requestFailover, setVmHa, updateHaPolicy } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

beforeEach(async () => {
  await clearTables(
    'taskStep',
    'task',
    'migration',
    'haRestart',
    'haEvent',
    'haHostState',
    'haPolicy',
    'vm',
    'image',
    'auditEvent',
    'storagePool',
    'host',
    'user',
  );
  await seedUsers();
  await db().haPolicy.create({ data: { id: 'cluster' } });
});

async function seedVm(
  hostId: string,
  id: string,
  over: { memoryMiB?: number; pool?: string; haEnabled?: boolean; state?: string } = {},
) {
  return db().vm.create({
    data: {
      id,
      name: id,
      hostId,
      state: over.state ?? 'running',
      vcpus: 1,
      memoryMiB: over.memoryMiB ?? 1024,
      diskSizeBytes: BigInt(1024 ** 3),
      pool: over.pool ?? 'shared',
      haEnabled: over.haEnabled ?? false,
    },
  });
}

const failHost = (hostId: string, leaseAgeMs = 8_500) =>
  db().haHostState.create({ data: { hostId, state: 'failed', reason: 'Lease expired', leaseAgeMs, observedBy: 'h2' } });
const policy = {
  enabled: true,
  admission: 'off' as const,
  hostFailuresToTolerate: 1,
  failoverHostIds: [],
  edacThreshold: 100,
};
const actions = async () =>
  (await db().auditEvent.findMany({ orderBy: { id: 'asc' } })).map((a) => [a.action, a.result, a.actorName]);

describe('haPolicyRow', () => {
  it('creates the missing row once when first readers race (PostgreSQL migrations do not seed it)', async () => {
    await db().haPolicy.deleteMany();
    const rows = await Promise.all(Array.from({ length: 6 }, () => haPolicyRow()));
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(['cluster']));
    expect(await db().haPolicy.count()).toBe(1);
  });
});

describe('updateHaPolicy', () => {
  it('saves the policy for an admin, on the timeline and in the audit', async () => {
    const h2 = await seedHost('h2');
    await seedHost('h1');
    const dto = await updateHaPolicy(admin, { ...policy, admission: 'failover-hosts', failoverHostIds: [h2.id] });
    expect(dto).toMatchObject({ enabled: true, admission: 'failover-hosts', failoverHostIds: [h2.id] });
    expect((await db().haEvent.findFirstOrThrow()).message).toContain('failover hosts h2');
    expect(await actions()).toEqual([['ha.policy.update', 'succeeded', 'admin']]);
  });

  it('refuses operators (audited), unknown hosts, and failover hosts that leave none to run VMs', async () => {
    const h1 = await seedHost('h1');
    await expect(updateHaPolicy(operator, policy)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(await actions()).toEqual([['ha.policy.update', 'denied', 'olga']]);
    await expect(updateHaPolicy(admin, { ...policy, failoverHostIds: ['nope'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      data: { fields: { failoverHostIds: ['No such host: nope'] } },
    });
    await expect(
      updateHaPolicy(admin, { ...policy, admission: 'failover-hosts', failoverHostIds: [h1.id] }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('setVmHa', () => {
  it('needs the disk on shared storage', async () => {
    const h1 = await seedHost('h1');
    await seedVm(h1.id, 'vm-local', { pool: 'local' });
    await expect(setVmHa(operator, 'vm-local', { enabled: true, priority: 'high', order: 1 })).rejects.toMatchObject({
      code: 'CONFLICT',
      status: 409,
      data: { pool: 'local' },
    });
    await expect(setVmHa(viewer, 'vm-local', { enabled: false, priority: 'high', order: 1 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('turns HA on with priority and order, audited; off cancels a pending automatic restart', async () => {
    const h1 = await seedHost('h1');
    await seedVm(h1.id, 'vm-a');
    expect(await setVmHa(operator, 'vm-a', { enabled: true, priority: 'high', order: 3 })).toMatchObject({
      haEnabled: true,
      haPriority: 'high',
      haOrder: 3,
    });
    const r = await db().haRestart.create({ data: { vmId: 'vm-a', vmName: 'vm-a', fromHostId: h1.id } });
    await setVmHa(operator, 'vm-a', { enabled: false, priority: 'high', order: 3 });
    expect(await db().haRestart.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      state: 'cancelled',
      reason: 'HA turned off by olga',
    });
    expect(await actions()).toEqual([
      ['vm.ha.update', 'succeeded', 'olga'],
      ['vm.ha.update', 'succeeded', 'olga'],
    ]);
  });

  it('is refused by admission control when the cluster could not restart it, with the numbers', async () => {
    const h1 = await seedHost('h1', { freeGiB: 4 });
    await seedHost('h2', { freeGiB: 1 });
    await seedVm(h1.id, 'vm-big', { memoryMiB: 2048 });
    await updateHaPolicy(admin, { ...policy, admission: 'tolerate' });
    // Losing h1 needs 2048 MiB; h2 has 1024 spare.
    await expect(setVmHa(operator, 'vm-big', { enabled: true, priority: 'medium', order: 0 })).rejects.toMatchObject({
      code: 'HA_ADMISSION',
      status: 409,
      data: { requiredMiB: 2048, spareMiB: 1024, tolerate: 1 },
    });
  });
});

describe('admission hooks on create', () => {
  it('refuses a create that would eat the room reserved for restarts, and keeps failover hosts empty', async () => {
    const h1 = await seedHost('h1', { freeGiB: 2 });
    const h2 = await seedHost('h2', { freeGiB: 3 });
    const image = await seedImage();
    await seedVm(h1.id, 'vm-ha', { memoryMiB: 1536, haEnabled: true });
    await updateHaPolicy(admin, { ...policy, admission: 'tolerate' });
    const input = {
      name: 'web-1',
      imageId: image.id,
      hostId: h2.id,
      vcpus: 1,
      memoryMiB: 2048,
      diskSizeGiB: 1,
      haEnabled: false,
      tags: [],
    };
    await expect(createVm(operator, input)).rejects.toMatchObject({
      code: 'HA_ADMISSION',
      data: { requiredMiB: 1536, spareMiB: 1024 },
    });
    await createVm(operator, { ...input, memoryMiB: 512 });

    await updateHaPolicy(admin, { ...policy, admission: 'failover-hosts', failoverHostIds: [h2.id] });
    await expect(createVm(operator, { ...input, name: 'web-2', memoryMiB: 256 })).rejects.toMatchObject({
      code: 'CONFLICT',
      data: { reserved: true },
    });
    const { vmId } = await createVm(operator, { ...input, name: 'web-3', hostId: 'auto', memoryMiB: 256 });
    expect((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).hostId).toBe(h1.id);
  });
});

describe('admission hooks on migrate and start', () => {
  it('refuses a manual move that breaks the promise, lets an evacuation go, and never targets a failover host', async () => {
    const h1 = await seedHost('h1', { freeGiB: 4 });
    const h2 = await seedHost('h2', { freeGiB: 2 });
    await seedHost('h3', { freeGiB: 1 });
    await seedVm(h1.id, 'vm-ha', { memoryMiB: 2048, haEnabled: true });
    await seedVm(h1.id, 'vm-web', { memoryMiB: 2048 });
    await updateHaPolicy(admin, { ...policy, admission: 'tolerate' });
    // Losing h1 needs 2048 MiB elsewhere: h2 2048 + h3 1024 spare now, 1024 once vm-web fills h2.
    await expect(
      queueMigration(operator, { vmId: 'vm-web', targetHostId: h2.id, reason: 'manual' }),
    ).rejects.toMatchObject({
      code: 'HA_ADMISSION',
      data: { requiredMiB: 2048, spareMiB: 1024, tolerate: 1 },
    });
    await queueMigration(operator, { vmId: 'vm-web', targetHostId: h2.id, reason: 'maintenance' });

    await db().task.deleteMany();
    await db().migration.deleteMany();
    await db().vm.update({ where: { id: 'vm-web' }, data: { state: 'running' } });
    await updateHaPolicy(admin, { ...policy, admission: 'failover-hosts', failoverHostIds: [h2.id] });
    await expect(
      queueMigration(operator, { vmId: 'vm-web', targetHostId: h2.id, reason: 'manual' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', data: { reserved: true } });
    await expect(estimateMigration('vm-web', 'best')).rejects.toMatchObject({ code: 'NO_HOST_AVAILABLE' }); // h3 is too small, h2 reserved
  });

  it('refuses starting a stopped VM when the room is promised to restarts', async () => {
    const h1 = await seedHost('h1', { freeGiB: 2 });
    await seedHost('h2', { freeGiB: 2 });
    await seedVm(h1.id, 'vm-ha', { memoryMiB: 1536, haEnabled: true });
    await seedVm(h1.id, 'vm-off', { memoryMiB: 1024, state: 'stopped' });
    await updateHaPolicy(admin, { ...policy, admission: 'tolerate' });
    await expect(runVmAction(operator, 'vm-off', 'start')).rejects.toMatchObject({
      code: 'HA_ADMISSION',
      message: expect.stringContaining('Starting VM vm-off'),
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-off' } })).state).toBe('stopped');
  });
});

describe('requestFailover', () => {
  it('is refused with LEASE_HELD while the host is not failed', async () => {
    const h1 = await seedHost('h1');
    await seedHost('h2');
    await seedVm(h1.id, 'vm-a');
    await db().haHostState.create({
      data: { hostId: h1.id, state: 'isolated', reason: 'Isolated: h2 sees its lease live', leaseAgeMs: 700 },
    });
    await expect(requestFailover(operator, 'vm-a', { targetHostId: 'best' })).rejects.toMatchObject({
      code: 'LEASE_HELD',
      status: 409,
      data: expect.objectContaining({ unchangedForMs: 700 }),
    });
    expect(await actions()).toEqual([['vm.failover', 'failed', 'olga']]);
  });

  it('queues the restart on the named host for a failed host, with the timeline start', async () => {
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2', { freeGiB: 2 });
    await seedHost('h3', { freeGiB: 8 });
    await seedVm(h1.id, 'vm-a');
    await failHost(h1.id, 8_500);
    const { taskId, restartId } = await requestFailover(operator, 'vm-a', { targetHostId: h2.id });
    const r = await db().haRestart.findUniqueOrThrow({ where: { id: restartId } });
    expect(r).toMatchObject({
      state: 'restarting',
      targetHostId: h2.id,
      pinnedHostId: h2.id,
      manual: true,
      requestedBy: 'olga',
      taskId,
    });
    expect(r.updatedAt.getTime() - r.decidedAt!.getTime()).toBeLessThan(1000);
    expect(Date.now() - r.failedAt!.getTime()).toBeGreaterThanOrEqual(8_500);
    expect(await db().task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      kind: 'vm.ha-restart',
      state: 'queued',
      targetId: 'vm-a',
      payload: JSON.stringify({ restartId }),
    });
    expect(await actions()).toEqual([['vm.failover', 'accepted', 'olga']]);
    // A second request while it restarts is a conflict.
    await expect(requestFailover(operator, 'vm-a', { targetHostId: 'best' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it("'best' takes the healthy host with most room; none with room is 409 with the reason", async () => {
    const h1 = await seedHost('h1');
    await seedHost('h2', { freeGiB: 2 });
    const h3 = await seedHost('h3', { freeGiB: 8 });
    await seedVm(h1.id, 'vm-a');
    await seedVm(h1.id, 'vm-huge', { memoryMiB: 65_536 });
    await failHost(h1.id);
    const { restartId } = await requestFailover(operator, 'vm-a', { targetHostId: 'best' });
    expect((await db().haRestart.findUniqueOrThrow({ where: { id: restartId } })).targetHostId).toBe(h3.id);
    await expect(requestFailover(operator, 'vm-huge', { targetHostId: 'best' })).rejects.toMatchObject({
      code: 'NO_HOST_AVAILABLE',
      data: { reason: expect.stringContaining('needs 65536 MiB') },
    });
  });
});

describe('cancelRestart', () => {
  it('cancels a decided restart while its task is still queued, and puts the VM back down', async () => {
    const h1 = await seedHost('h1');
    await seedHost('h2');
    await seedVm(h1.id, 'vm-a');
    await failHost(h1.id);
    const { taskId, restartId } = await requestFailover(operator, 'vm-a', { targetHostId: 'best' });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).state).toBe('starting');
    expect(await cancelRestart(operator, restartId)).toMatchObject({ state: 'cancelled' });
    expect(await db().task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      state: 'cancelled',
      errorCode: 'CANCELLED',
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).state).toBe('crashed');
  });

  it('cancels a pending restart (timeline + audit) and refuses one that already ran', async () => {
    const h1 = await seedHost('h1');
    await seedVm(h1.id, 'vm-a');
    const r = await db().haRestart.create({ data: { vmId: 'vm-a', vmName: 'vm-a', fromHostId: h1.id } });
    expect(await cancelRestart(operator, r.id)).toMatchObject({
      id: r.id,
      state: 'cancelled',
      reason: 'Cancelled by olga',
      fromHostName: 'h1',
    });
    await expect(cancelRestart(operator, r.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(cancelRestart(viewer, r.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(cancelRestart(operator, 'nope')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    const overview = await getHaOverview();
    expect(overview.events.map((e) => e.kind)).toEqual(['restart-cancelled']);
    expect(overview.restarts).toEqual([expect.objectContaining({ id: r.id, state: 'cancelled' })]);
  });
});
