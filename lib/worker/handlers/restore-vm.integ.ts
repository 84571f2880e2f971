// vm.restore end to end: the real services and worker over a test database, a real agent (QEMU
// driver, in-process so the test can take a backup over the VM's own QMP session) enrolled at
// the mini dashboard. A VM writes records, is backed up, writes more; restore as a new VM
// (instant), replace the VM from the point, a replace whose VM does not come up (old disk back),
// a restore that fails, and the boot health check.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '@/lib/agent-client';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { ask, buildGuest, guestImageFiles, records, waitGuestReady } from '@/lib/testing/guest';
import { backupRunningVm } from '@/lib/testing/qmp-backup';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { enqueueImageImport } from '@/lib/domain/images/service';
import { bootCheck } from '@/lib/domain/restores/boot-check';
import { restorePoint } from '@/lib/domain/restores/service';
import { settled, startTestWorker } from '@/lib/testing/tasks';
import { createVmSchema } from '@/lib/domain/vms/schemas';
import { createVm } from '@/lib/domain/vms/service';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';

const testDb = createTestDb();
let dashboard: Awaited<ReturnType<typeof startMiniDashboard>>;
let h: QemuTestAgent;
let agent: AgentClient;
let worker: ReturnType<typeof startTestWorker>;
let srcId: string;
let pointId: string;

beforeAll(async () => {
  buildGuest();
  await seedUsers();
  dashboard = await startMiniDashboard();
  h = await startQemuTestAgent('w1', { url: dashboard.url, token: await createEnrollmentToken('w1') });
  const host = await waitFor('host row', () => db().host.findFirst({ where: { name: 'w1' } }), 30_000, 100);
  agent = await agentFor(host.id);
  worker = startTestWorker(2, 'restore-worker');

  const imp = await enqueueImageImport(SYSTEM_ACTOR, {
    name: 'tiny-linux',
    version: '1.0',
    description: '',
    hostId: 'auto',
    ...guestImageFiles(),
  });
  const imported = await settled(imp.taskId);
  expect(imported.state, imported.error?.message).toBe('succeeded');
  const image = await db().image.findUniqueOrThrow({ where: { id: imp.imageId } });
  const created = await createVm(
    admin,
    createVmSchema.parse({
      name: 'src',
      imageId: image.id,
      vcpus: 1,
      memoryMiB: 128,
      diskSizeGiB: 0.0625,
      tags: ['db'],
    }),
  );
  const provisioned = await settled(created.taskId);
  expect(provisioned.state, provisioned.error?.message).toBe('succeeded');
  srcId = created.vmId;

  // The point: records 1..6. Records 7..9 come after it.
  await ask(agent, srcId, 'write 6', /^VMOPS-OK seq=6$/);
  const dir = path.join(h.shared, 'backups');
  mkdirSync(path.join(dir, srcId), { recursive: true });
  const file = path.join(dir, srcId, 'rp-000000000001.qcow2');
  await backupRunningVm(h.driver, srcId, file, null);
  await ask(agent, srcId, 'write 3', /^VMOPS-OK seq=9$/);
  const repo = await db().backupRepository.create({ data: { name: 'shared-backups', kind: 'shared', path: dir } });
  const point = await db().restorePoint.create({
    data: {
      vmId: srcId,
      vmName: 'src',
      hostId: host.id,
      repositoryId: repo.id,
      kind: 'full',
      chainId: 'chain-1',
      filePath: file,
      sha256: execFileSync('sha256sum', [file]).toString().split(' ')[0],
      sizeBytes: 1n,
      virtualSizeBytes: BigInt(64 * 1024 ** 2),
      takenAt: new Date(),
      vmSpec: JSON.stringify({
        vcpus: 1,
        memoryMiB: 128,
        boot: { kernelPath: image.kernelPath, initrdPath: image.initrdPath, append: image.append },
        imageId: image.id,
        tags: ['db'],
      }),
    },
  });
  pointId = point.id;
});

afterAll(async () => {
  await worker?.stop();
  await h?.stop();
  await dashboard?.close();
  testDb.cleanup();
});

describe('vm.restore through services and worker (real QEMU)', () => {
  it('restores as a new VM instantly: running from the backup, streamed, guest holds exactly records 1..6', async () => {
    const { taskId, vmId } = await restorePoint(admin, pointId, {
      mode: 'new',
      name: 'src-restored',
      hostId: 'best',
      instant: true,
    });
    const task = await settled(taskId);
    expect(task.state, task.error?.message).toBe('succeeded');
    console.log(`restore task steps:\n  ${(task.steps ?? []).map((s) => s.message).join('\n  ')}`);
    expect((task.steps ?? []).some((s) => /^VM running after \d+\.\d s from the backup/.test(s.message))).toBe(true);
    expect(task.result).toMatchObject({ vmId, pointId, mode: 'new', instant: true });
    const vm = await db().vm.findUniqueOrThrow({ where: { id: vmId } });
    expect(vm).toMatchObject({ state: 'running', guestReady: true, tags: '["db"]' });
    expect(execFileSync('qemu-img', ['info', '-U', vm.diskPath]).toString()).not.toMatch(/backing file/);
    expect(await records(agent, vmId)).toBe('VMOPS-RECORDS first=1 last=6 count=6 gaps=0');
  });

  it('replaces the VM from the point: records back to 1..6, safety point and file gone afterwards', async () => {
    await expect(
      restorePoint(admin, pointId, { mode: 'replace', hostId: 'best', instant: false, confirmName: 'SRC' }),
    ).rejects.toMatchObject({ status: 422 });
    const { taskId } = await restorePoint(admin, pointId, {
      mode: 'replace',
      hostId: 'best',
      instant: false,
      confirmName: 'src',
    });
    const task = await settled(taskId);
    expect(task.state, task.error?.message).toBe('succeeded');
    expect((task.steps ?? []).some((s) => /Safety restore point registered/.test(s.message))).toBe(true);
    const vm = await db().vm.findUniqueOrThrow({ where: { id: srcId } });
    expect(vm.state).toBe('running');
    expect(await db().restorePoint.count({ where: { kind: 'safety' } })).toBe(0);
    expect(readdirSync(path.dirname(vm.diskPath)).filter((f) => f.includes('safety'))).toEqual([]);
    expect(await records(agent, srcId)).toBe('VMOPS-RECORDS first=1 last=6 count=6 gaps=0');
  });

  it('replaces the VM instantly: running from the point at once, then streamed; records 1..6', async () => {
    await ask(agent, srcId, 'write 2', /^VMOPS-OK seq=8$/);
    const { taskId } = await restorePoint(admin, pointId, {
      mode: 'replace',
      hostId: 'best',
      instant: true,
      confirmName: 'src',
    });
    const task = await settled(taskId);
    expect(task.state, task.error?.message).toBe('succeeded');
    expect(task.result).toMatchObject({ mode: 'replace', instant: true });
    expect((task.result as { runningAfterMs: number }).runningAfterMs).toBeGreaterThan(0);
    expect(await db().restorePoint.count({ where: { kind: 'safety' } })).toBe(0);
    const vm = await db().vm.findUniqueOrThrow({ where: { id: srcId } });
    expect(execFileSync('qemu-img', ['info', '-U', vm.diskPath]).toString()).not.toMatch(/backing file/);
    expect(await records(agent, srcId)).toBe('VMOPS-RECORDS first=1 last=6 count=6 gaps=0');
  });

  it('a replace whose restored VM does not come up puts the old disk back (running) and fails with the reason', async () => {
    await ask(agent, srcId, 'write 3', /^VMOPS-OK seq=9$/); // the current disk: records 1..9
    const { taskId } = await restorePoint(admin, pointId, {
      mode: 'replace',
      hostId: 'best',
      instant: false,
      confirmName: 'src',
    });
    // The restored VM "does not boot": QEMU goes away while the worker waits for the guest (it
    // takes seconds to get ready; the step is polled every 50 ms).
    const stepSeen = (text: string) => async () =>
      (await db().taskStep.count({ where: { taskId, message: text } })) > 0;
    await waitFor(
      'the wait for the guest',
      stepSeen('Waiting for the guest to report ready on its serial console'),
      120_000,
      50,
    );
    await agent.stopVm(srcId, { force: true });
    const task = await settled(taskId);
    console.log(`failed replace steps:\n  ${(task.steps ?? []).map((s) => s.message).join('\n  ')}`);
    expect(task.state).toBe('failed');
    expect(task.error?.message).toMatch(/^The VM stopped while booting \(QEMU state (shutoff|crashed)\)$/);
    const steps = (task.steps ?? []).map((s) => s.message);
    expect(steps).not.toContain('Safety restore point discarded');
    expect(steps).toEqual(
      expect.arrayContaining([
        'The previous disk is back in place (safety point reverted)',
        'VM started again on its previous disk',
      ]),
    );
    expect(await db().restorePoint.count({ where: { kind: 'safety' } })).toBe(0);
    const vm = await db().vm.findUniqueOrThrow({ where: { id: srcId } });
    expect(vm).toMatchObject({
      state: 'running',
      lastError: expect.stringMatching(/^Restore failed: The VM stopped while booting/),
    });
    expect(readdirSync(path.dirname(vm.diskPath)).filter((f) => f.includes('safety'))).toEqual([]);
    await waitGuestReady(agent, srcId);
    expect(await records(agent, srcId)).toBe('VMOPS-RECORDS first=1 last=9 count=9 gaps=0');
  });

  it('a restore whose backup file is gone fails and leaves no VM row and no VM directory', async () => {
    const p = await db().restorePoint.findUniqueOrThrow({ where: { id: pointId } });
    const lost = await db().restorePoint.create({
      data: {
        ...p,
        id: undefined,
        filePath: path.join(h.shared, 'backups', srcId, 'rp-00000000105e.qcow2'),
        createdAt: undefined,
      },
    });
    const { taskId, vmId } = await restorePoint(admin, lost.id, {
      mode: 'new',
      name: 'never',
      hostId: 'best',
      instant: true,
    });
    const task = await settled(taskId);
    expect(task.state).toBe('failed');
    expect(task.error?.message).toMatch(/rp-00000000105e\.qcow2/);
    expect(await db().vm.findUnique({ where: { id: vmId } })).toBeNull();
    expect(existsSync(path.join(h.pool.path, 'vms', vmId))).toBe(false);
  });

  it('boot health check: a temporary VM boots from the point to the ready line and is deleted', async () => {
    const before = (await agent.listVms()).map((v) => v.id);
    const r = await bootCheck(pointId);
    console.log(`boot check: ${JSON.stringify(r)}`);
    expect(r).toMatchObject({ ok: true });
    expect(r.readyAfterMs).toBeGreaterThan(0);
    expect((await agent.listVms()).map((v) => v.id)).toEqual(before);
    expect(readdirSync(path.join(h.pool.path, 'vms')).filter((d) => d.startsWith('boot-check-'))).toEqual([]);
  });
});
