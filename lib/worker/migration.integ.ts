// Live migration through the dashboard: services + the real worker runner + two real agents
// (QEMU, TCG) sharing a directory. Shared disk, storage (NBD mirror) and cancel; the guest keeps
// writing sequence records while it moves and none are lost.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ask } from '@/lib/testing/guest';
import { db } from '@/lib/db/client';
import { getMigration, listMigrations } from '@/lib/domain/migrations/queries';
import { cancelMigration, queueMigration } from '@/lib/domain/migrations/service';
import type { MigrationProgressDto } from '@/lib/domain/migrations/dto';
import { createVm } from '@/lib/domain/vms/service';
import { admin } from '@/lib/testing/fixtures';
import { useCluster, type ClusterHost } from '@/lib/testing/cluster';
import { settled } from '@/lib/testing/tasks';
import { sleep, waitFor } from '@/lib/wait-for';

const numbers: Record<string, unknown> = {};
const env = useCluster(['m1', 'm2'], {
  afterAll: () => console.log('dashboard migration numbers:', JSON.stringify(numbers)),
});

const hostOf = (hostId: string) => env.cluster.hosts.find((h) => h.hostId === hostId)!;

// A running test guest on `host` (pool 'shared' set while the worker is paused, before the
// create task runs: the create form has no pool field).
async function guestOn(host: ClusterHost, name: string, pool: 'local' | 'shared') {
  await env.cluster.pauseWorker();
  const { taskId, vmId } = await createVm(admin, {
    name,
    imageId: env.imageId,
    hostId: host.hostId,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeGiB: 0.0625,
    haEnabled: false,
    tags: [],
  });
  await db().vm.update({ where: { id: vmId }, data: { pool } });
  env.cluster.resumeWorker();
  const t = await settled(taskId);
  expect(t.state, t.error?.message).toBe('succeeded');
  return vmId;
}

// Keeps the guest writing a record at a time through whichever host the dashboard says runs it.
function keepWriting(vmId: string) {
  let on = true;
  let acked = 0;
  const loop = (async () => {
    while (on) {
      const vm = await db().vm.findUniqueOrThrow({ where: { id: vmId } });
      const line = await ask(hostOf(vm.hostId).client, vmId, 'write 1', /^VMOPS-OK seq=\d+$/, 20_000).catch(() => null);
      if (line) acked = Math.max(acked, Number(line.split('=')[1]));
      await sleep(50);
    }
  })();
  return async () => ((on = false), await loop, acked);
}

// Runs a queued migration to its end, sampling the live progress the UI would see.
async function follow(migrationId: string) {
  const seen: MigrationProgressDto[] = [];
  for (;;) {
    const m = await getMigration(migrationId);
    if (m.progress) seen.push(m.progress);
    if (m.state !== 'running') return { m, seen };
    await sleep(200);
  }
}

async function migrateWhileWriting(vmId: string, target: ClusterHost, mode: string) {
  await ask(
    hostOf((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).hostId).client,
    vmId,
    'write 5',
    /^VMOPS-OK seq=\d+$/,
  );
  const stop = keepWriting(vmId);
  await sleep(1000);
  const { taskId, migrationId } = await queueMigration(admin, { vmId, targetHostId: target.hostId, reason: 'manual' });
  expect((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).state).toBe('migrating');
  const { m, seen } = await follow(migrationId);
  await sleep(1000);
  const acked = await stop();
  const task = await settled(taskId);
  expect(task.state, task.error?.message).toBe('succeeded');
  expect(m).toMatchObject({
    state: 'succeeded',
    mode,
    targetHostId: target.hostId,
    targetHostName: target.name,
    reason: 'manual',
    error: null,
  });
  expect(m.bytesTransferred).toBeGreaterThan(0);
  expect(m.downtimeMs).toBeGreaterThanOrEqual(0);
  expect(m.durationMs).toBeGreaterThan(0);
  expect(m.estimate?.predictedDurationMs).toBeGreaterThan(0);
  expect(
    seen.some((p) => p.phase === 'memory' || p.phase === 'completing' || p.phase === 'mirror'),
    `live progress seen: ${JSON.stringify(seen.map((p) => p.phase))}`,
  ).toBe(true);
  expect(task.steps!.map((s) => s.message).join('\n')).toMatch(/Copying memory|Pausing the VM/);
  const vm = await db().vm.findUniqueOrThrow({ where: { id: vmId } });
  expect(vm).toMatchObject({ hostId: target.hostId, state: 'running' });
  expect(vm.lastMigratedAt).not.toBeNull();
  // The guest runs on the target with every acknowledged record on its disk and no gap.
  const status = await ask(target.client, vmId, 'status', /^VMOPS-STATUS .* burn=\d$/);
  const seq = Number(/seq=(\d+)/.exec(status)![1]);
  expect(seq).toBeGreaterThanOrEqual(acked);
  await ask(target.client, vmId, 'read', new RegExp(`^VMOPS-RECORDS first=1 last=${seq} count=${seq} gaps=0$`));
  numbers[`${mode}`] = {
    durationMs: m.durationMs,
    downtimeMs: m.downtimeMs,
    bytes: m.bytesTransferred,
    diskBytes: m.diskBytes,
    predicted: {
      durationMs: m.estimate?.predictedDurationMs,
      downtimeMs: m.estimate?.predictedDowntimeMs,
      bytes: m.estimate?.predictedBytes,
      dirtyRateSource: m.estimate?.dirtyRateSource,
    },
  };
  return { m, vm };
}

describe('live migration through the dashboard (real QEMU)', () => {
  let sharedVm: string;

  it('shared disk: only memory moves, the disk path stays, the guest keeps writing', async () => {
    sharedVm = await guestOn(env.host.m1, 'mig-shared', 'shared');
    const before = await db().vm.findUniqueOrThrow({ where: { id: sharedVm } });
    expect(before.diskPath.startsWith(env.cluster.sharedDir)).toBe(true);
    const { m, vm } = await migrateWhileWriting(sharedVm, env.host.m2, 'shared');
    expect(vm.diskPath).toBe(before.diskPath);
    expect(m.diskBytes).toBe(0);
    const [history] = await listMigrations({ vmId: sharedVm, limit: 10 });
    expect(history).toMatchObject({
      sourceHostName: 'm1',
      targetHostName: 'm2',
      reason: 'manual',
      state: 'succeeded',
      progress: null,
    });
  });

  it('without shared storage: the disk is mirrored to the target, the source disk removed after success', async () => {
    const vmId = await guestOn(env.host.m1, 'mig-storage', 'local');
    const before = await db().vm.findUniqueOrThrow({ where: { id: vmId } });
    expect(before.diskPath.startsWith(env.host.m1.localPool)).toBe(true);
    const { vm } = await migrateWhileWriting(vmId, env.host.m2, 'storage');
    expect(vm.diskPath.startsWith(env.host.m2.localPool)).toBe(true);
    expect(existsSync(vm.diskPath)).toBe(true);
    await waitFor('the source disk removed', () => !existsSync(before.diskPath), 10_000, 200);
  });

  it('cancel mid-migration: the VM keeps running on the source, the target is cleaned up', async () => {
    // sharedVm runs on env.host.m2 now; send it back at 1 MiB/s so there is time to cancel.
    const { taskId, migrationId } = await queueMigration(
      admin,
      { vmId: sharedVm, targetHostId: env.host.m1.hostId, reason: 'manual' },
      { maxBandwidthBytes: 1024 * 1024 },
    );
    const running = await waitFor(
      'memory copy under way',
      async () => {
        const m = await getMigration(migrationId);
        return m.progress && m.progress.phase === 'memory' && m.progress.transferredBytes > 0 ? m : null;
      },
      120_000,
      200,
    );
    expect(running.state).toBe('running');
    expect(await cancelMigration(admin, migrationId)).toMatchObject({ cancelled: 'requested' });
    const task = await settled(taskId);
    expect(task).toMatchObject({ state: 'failed', error: { code: 'CANCELLED' } });
    const m = await getMigration(migrationId);
    expect(m).toMatchObject({ state: 'cancelled', error: 'Cancelled by admin' });
    expect(await db().vm.findUniqueOrThrow({ where: { id: sharedVm } })).toMatchObject({
      hostId: env.host.m2.hostId,
      state: 'running',
      lastError: null,
    });
    await expect(env.host.m1.client.getVm(sharedVm)).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    await ask(env.host.m2.client, sharedVm, 'write 1', /^VMOPS-OK seq=\d+$/); // still alive and writing on the source
    numbers.cancel = { cancelledAfterBytes: running.progress!.transferredBytes, totalMs: m.durationMs };
  });
});
