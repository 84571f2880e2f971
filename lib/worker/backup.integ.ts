// Backups end to end on real QEMU: a real agent process, the real services and worker handlers
// over a test database. Full then incremental points from a running guest, a job whose VM was
// deleted, an unusable repository failing only its own job, retention that merges a chain and
// leaves a point that verifies and restores, a recovered run that registers nothing, a boot check,
// and the sweep of a complete file that a lost run left unregistered.
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { enrolledHost } from '@/lib/testing/cluster';
import { manifestOf, pointsOf } from '@/lib/testing/backups';
import { ask, GUEST_DIR, guestBoot, guestImageFiles, records, waitGuestReady } from '@/lib/testing/guest';
import { settled, startTestWorker, succeeded } from '@/lib/testing/tasks';
import { manifestPathOf } from '@/lib/agent-protocol/backup';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createJob, runJobNow, updateJob } from '@/lib/domain/backups/jobs';
import { listProtection } from '@/lib/domain/backups/protection-status';
import { listRuns } from '@/lib/domain/backups/queries';
import { createRepository } from '@/lib/domain/backups/repositories';
import { verifyRestorePoint } from '@/lib/domain/backups/restore-points';
import { createJobSchema } from '@/lib/domain/backups/schemas';
import { agentFor } from '@/lib/domain/hosts/agents';
import { createEnrollmentToken } from '@/lib/domain/hosts/enrollment';
import { enqueueImageImport } from '@/lib/domain/images/service';
import { createVm, deleteVm } from '@/lib/domain/vms/service';
import { parseInput } from '@/lib/http/validation';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { startMiniDashboard } from '@/lib/testing/mini-dashboard';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from './context';
import { backupRunHandler } from './handlers/backup-run';
import { bitmapName } from './handlers/backup-vm';
import { freePort } from '@/lib/net/free-port';

const testDb = createTestDb();
const tmp = mkdtempSync(path.join(tmpdir(), 'vmops-backup-'));
const shared = path.join(tmp, 'shared');
let dashboard: Awaited<ReturnType<typeof startMiniDashboard>>;
let agent: AgentProcess;
let worker: ReturnType<typeof startTestWorker>;
let hostId: string;
let imageId: string;
let repoId: string;
let jobId: string;
const vmIds: Record<string, string> = {};

beforeAll(async () => {
  expect(existsSync(path.join(GUEST_DIR, 'vmlinux')), 'test guest missing: run scripts/build-guest.sh').toBe(true);
  await seedUsers();
  dashboard = await startMiniDashboard();
  const token = await createEnrollmentToken('b1');
  agent = spawnAgent(
    {
      name: 'b1',
      port: await freePort(),
      data: path.join(tmp, 'b1'),
      shared,
      dashboard: dashboard.url,
      token,
      driver: 'qemu',
      intervalMs: 1000,
      importDirs: [GUEST_DIR],
    },
    { echo: true },
  );
  hostId = (await enrolledHost('b1')).id;
  worker = startTestWorker(3);
  const imp = await enqueueImageImport(SYSTEM_ACTOR, {
    name: 'tiny-linux',
    version: '1.0',
    description: '',
    hostId: 'auto',
    ...guestImageFiles(),
  });
  await succeeded(imp.taskId);
  imageId = imp.imageId;
  for (const [name, tags] of [
    ['bk-a', ['prod']],
    ['bk-b', []],
  ] as const) {
    const r = await createVm(admin, {
      name,
      imageId,
      hostId: 'auto',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeGiB: 0.0625,
      haEnabled: false,
      tags: [...tags],
    });
    vmIds[name] = r.vmId;
  }
  for (const id of Object.values(vmIds))
    await succeeded((await db().task.findFirstOrThrow({ where: { targetId: id, kind: 'vm.create' } })).id);
});

afterAll(async () => {
  const client = hostId ? await agentFor(hostId, { allowOffline: true }).catch(() => null) : null;
  for (const vm of await db().vm.findMany()) await client?.deleteVm(vm.id).catch(() => {});
  await worker?.stop();
  agent?.child.kill('SIGTERM');
  await dashboard?.close();
  rmSync(tmp, { recursive: true, force: true });
  testDb.cleanup();
});

describe('backups on real QEMU', () => {
  it('registers a repository after the agent checked (and created) it; a missing directory is 422 on path', async () => {
    const repo = await createRepository(admin, {
      name: 'main',
      kind: 'shared',
      hostId: null,
      path: path.join(shared, 'backups'),
      create: true,
    });
    expect(repo).toMatchObject({ status: 'ok', kind: 'shared' });
    expect(repo.freeBytes).toBeGreaterThan(0);
    expect(existsSync(path.join(shared, 'backups'))).toBe(true);
    repoId = repo.id;
    await expect(
      createRepository(admin, {
        name: 'nowhere',
        kind: 'host',
        hostId,
        path: path.join(tmp, 'missing'),
        create: false,
      }),
    ).rejects.toMatchObject({
      status: 422,
      data: { fields: { path: [expect.stringMatching(/does not exist/)] } },
    });
    expect(await db().backupRepository.count()).toBe(1);
  });

  it('first run: a full point per VM, registered with checksum, chain and VM spec', async () => {
    const job = await createJob(
      admin,
      parseInput(createJobSchema, {
        name: 'nightly',
        repositoryId: repoId,
        selector: { vmIds: [vmIds['bk-b']], tags: ['prod'] },
        schedule: '0 2 * * *',
        timezone: 'UTC',
        retention: { keepLast: 10 },
        concurrency: 2,
      }),
    );
    jobId = job.id;
    expect(job.resolvedVms.map((v) => v.name).sort()).toEqual(['bk-a', 'bk-b']);
    const client = await agentFor(hostId);
    await ask(client, vmIds['bk-a'], 'writemb 8', /^VMOPS-OK writemb=8$/);
    await ask(client, vmIds['bk-a'], 'write 5', /^VMOPS-OK seq=5$/);
    const task = await succeeded((await runJobNow(admin, jobId)).taskId);
    expect(task.steps!.map((s) => s.message).join('\n')).toMatch(/full/);
    for (const id of Object.values(vmIds)) {
      const [p] = await pointsOf(id);
      expect(p).toMatchObject({
        kind: 'full',
        parentId: null,
        chainId: p.id,
        jobId,
        repositoryId: repoId,
        verifyState: 'unverified',
        vmSpec: { vcpus: 1, memoryMiB: 128, imageId },
      });
      expect(p.fullReason).toBeTruthy();
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(p.filePath).toBe(path.join(shared, 'backups', id, `${p.id}.qcow2`));
      expect(existsSync(p.filePath)).toBe(true);
      expect(manifestOf(p.filePath)).toMatchObject({
        pointId: p.id,
        vmId: id,
        vmName: p.vmName,
        kind: 'full',
        parent: null,
        sha256: p.sha256,
        sizeBytes: p.sizeBytes,
        takenAt: p.takenAt,
        vmSpec: p.vmSpec,
      });
    }
    const [run] = await listRuns(jobId, 1);
    expect(run).toMatchObject({ state: 'succeeded', vmCount: 2, failedCount: 0 });
    expect(run.results.every((r) => r.state === 'succeeded' && r.kind === 'full')).toBe(true);
    expect(await db().repositoryUsageSample.count({ where: { repositoryId: repoId } })).toBeGreaterThanOrEqual(2);
  });

  it('second run after guest writes: an incremental on the previous point, much smaller than the full', async () => {
    const client = await agentFor(hostId);
    await ask(client, vmIds['bk-a'], 'write 4', /^VMOPS-OK seq=9$/);
    await succeeded((await runJobNow(admin, jobId)).taskId);
    const [full, inc] = await pointsOf(vmIds['bk-a']);
    expect(inc).toMatchObject({ kind: 'incremental', parentId: full.id, chainId: full.chainId, fullReason: null });
    expect(manifestOf(inc.filePath)).toMatchObject({
      kind: 'incremental',
      parent: path.basename(full.filePath),
      sha256: inc.sha256,
    });
    console.log(`full wrote ${full.bytesWritten} B, incremental after 4 records wrote ${inc.bytesWritten} B`);
    expect(inc.bytesWritten).toBeLessThan(full.bytesWritten);
    const protection = (await listProtection()).find((p) => p.vmId === vmIds['bk-a'])!;
    expect(protection).toMatchObject({ status: 'protected', lastPointId: inc.id });
  });

  it('a VM deleted later is skipped; the others still back up', async () => {
    await succeeded((await deleteVm(admin, vmIds['bk-b'])).taskId);
    const task = await succeeded((await runJobNow(admin, jobId)).taskId);
    expect(task.steps!.map((s) => s.message).join('\n')).toMatch(/no longer exist/);
    const [run] = await listRuns(jobId, 1);
    expect(run).toMatchObject({ state: 'succeeded', vmCount: 1 });
    expect(run.results.map((r) => [r.vmName, r.kind])).toEqual([['bk-a', 'incremental']]);
    expect(await pointsOf(vmIds['bk-a'])).toHaveLength(3);
  });

  it('an unusable repository fails its own job with a coded 503 and not the others', async () => {
    const dir = path.join(shared, 'gone');
    const repo = await createRepository(admin, {
      name: 'flaky',
      kind: 'shared',
      hostId: null,
      path: dir,
      create: true,
    });
    const other = await createJob(
      admin,
      parseInput(createJobSchema, {
        name: 'flaky-job',
        repositoryId: repo.id,
        selector: { vmIds: [vmIds['bk-a']], tags: [] },
        schedule: '0 3 * * *',
        retention: { keepLast: 1 },
      }),
    );
    rmSync(dir, { recursive: true });
    const [bad, good] = await Promise.all(
      [runJobNow(admin, other.id), runJobNow(admin, jobId)].map(async (p) => settled((await p).taskId)),
    );
    expect(bad).toMatchObject({ state: 'failed', error: { code: 'REPOSITORY_UNAVAILABLE' } });
    expect(good.state).toBe('succeeded');
    expect(await db().backupRepository.findUniqueOrThrow({ where: { id: repo.id } })).toMatchObject({
      status: 'unavailable',
    });
    expect((await listRuns(other.id, 1))[0]).toMatchObject({
      state: 'failed',
      results: [{ state: 'failed', error: expect.stringMatching(/^REPOSITORY_UNAVAILABLE/) }],
    });
  });

  it('retention keep-last 1 merges the chain into the newest point, which then verifies', async () => {
    const before = await pointsOf(vmIds['bk-a']);
    expect(before.length).toBe(4);
    await updateJob(admin, jobId, { retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0, yearly: 0 } });
    const client = await agentFor(hostId);
    await ask(client, vmIds['bk-a'], 'write 2', /^VMOPS-OK seq=11$/);
    const task = await succeeded((await runJobNow(admin, jobId)).taskId);
    console.log(
      task
        .steps!.map((s) => s.message)
        .filter((m) => m.startsWith('Retention'))
        .join('\n'),
    );
    const after = await pointsOf(vmIds['bk-a']);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ kind: 'full', parentId: null, fullReason: expect.stringMatching(/flattened/) });
    for (const p of before) expect(existsSync(p.filePath) || existsSync(manifestPathOf(p.filePath))).toBe(false);
    // The merged point's manifest followed its rebase (verify below also compares it with the row).
    expect(manifestOf(after[0].filePath)).toMatchObject({
      kind: 'full',
      parent: null,
      sha256: after[0].sha256,
      sizeBytes: after[0].sizeBytes,
    });
    // bk-b's VM is gone but its one point (its chain head) stays restorable.
    expect(await pointsOf(vmIds['bk-b'])).toHaveLength(1);
    await succeeded((await verifyRestorePoint(admin, after[0].id, { boot: false })).taskId);
    expect((await pointsOf(vmIds['bk-a']))[0]).toMatchObject({ verifyState: 'ok' });
    // Restorable: a copy restore of the merged point holds exactly the guest's records 1..11.
    const op = await client.restoreVm({
      vm: { id: 'restored', name: 'restored', vcpus: 1, memoryMiB: 128, pool: 'local', boot: guestBoot() },
      sourcePath: after[0].filePath,
      mode: 'copy',
      start: true,
    });
    await waitForOperation(client, op.id);
    await waitGuestReady(client, 'restored');
    expect(await records(client, 'restored')).toBe('VMOPS-RECORDS first=1 last=11 count=11 gaps=0');
    await client.deleteVm('restored');
  });

  it('a boot check restores the merged point into a temporary VM that boots, then removes it', async () => {
    const [point] = await pointsOf(vmIds['bk-a']);
    const task = await succeeded((await verifyRestorePoint(admin, point.id, { boot: true })).taskId);
    console.log(task.steps!.map((s) => s.message).join('\n'));
    expect((await pointsOf(vmIds['bk-a']))[0]).toMatchObject({
      verifyState: 'boot-ok',
      verifyMessage: expect.stringMatching(/guest ready/),
    });
    const client = await agentFor(hostId);
    expect((await client.listVms()).map((v) => v.id).filter((id) => id.startsWith('boot-check'))).toEqual([]);
  });

  it('a run recovered from a dead worker registers nothing, removes what the agent wrote, and the next run is a full', async () => {
    const vmId = vmIds['bk-a'];
    const [head] = await pointsOf(vmId);
    const client = await agentFor(hostId);
    // What the dead worker had started: a real agent backup (throttled, so it is still writing)
    // recorded on its run row, and a task whose lease a new worker now holds as `recovered`.
    const pointId = 'rp-0000000f0a11';
    const file = path.join(shared, 'backups', vmId, `${pointId}.qcow2`);
    const manifest = { vmName: 'bk-a', vmSpec: head.vmSpec };
    const op = await client.backupVm(vmId, {
      pointId,
      targetDir: path.dirname(file),
      bitmap: bitmapName(jobId),
      parent: { path: head.filePath },
      manifest,
      speedBytesPerSec: 4 * 1024 ** 2,
    });
    const taskId = (
      await db().task.create({
        data: {
          kind: 'backup.run',
          title: 'recovered',
          state: 'running',
          payload: JSON.stringify({ jobId, trigger: 'schedule' }),
        },
      })
    ).id;
    const result = {
      vmId,
      vmName: 'bk-a',
      state: 'running',
      kind: null,
      fullReason: null,
      bytesWritten: 0,
      sizeBytes: 0,
      durationMs: 0,
      pointId,
      error: null,
      hostId,
      operationId: op.id,
    };
    await db().backupRun.create({ data: { jobId, taskId, vmCount: 1, results: JSON.stringify([result]) } });
    const count = await db().restorePoint.count();
    await expect(
      backupRunHandler(makeContext(taskId, SYSTEM_ACTOR, true), { jobId, trigger: 'schedule' }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect((await client.getOperation(op.id)).state).toBe('succeeded'); // it finished after the worker died ...
    expect(existsSync(file) || existsSync(`${file}.partial`) || existsSync(manifestPathOf(file))).toBe(false); // ... and its files are gone
    expect(await db().restorePoint.count()).toBe(count);
    expect(await db().backupRun.findFirstOrThrow({ where: { taskId } })).toMatchObject({
      state: 'failed',
      failedCount: 1,
    });

    const task = await succeeded((await runJobNow(admin, jobId)).taskId);
    const newest = (await pointsOf(vmId)).at(-1)!;
    expect(newest).toMatchObject({
      kind: 'full',
      parentId: null,
      fullReason: expect.stringMatching(/never registered/),
    });
    expect(task.steps!.map((s) => s.message).join('\n')).toMatch(/never registered/);
  });

  it('the next run removes a complete file no restore point references (a lost run), and nothing else', async () => {
    const vmId = vmIds['bk-a'];
    const dir = path.join(shared, 'backups', vmId);
    const [lost, young, other] = ['rp-0123456789ab.qcow2', 'rp-abcdefabcdef.qcow2', 'notes.qcow2'].map((n) =>
      path.join(dir, n),
    );
    for (const f of [lost, young, other, manifestPathOf(lost)]) writeFileSync(f, 'not a real backup');
    const old = new Date(Date.now() - 11 * 60_000); // finished long ago: nobody will register it now
    for (const f of [lost, other]) utimesSync(f, old, old);
    const task = await succeeded((await runJobNow(admin, jobId)).taskId);
    expect(task.steps!.map((s) => s.message).join('\n')).toContain(
      `bk-a: removed 2 file(s) of earlier runs that no restore point references: ${lost}, ${manifestPathOf(lost)}`,
    );
    // the manifest goes with its file, however young
    expect(existsSync(lost) || existsSync(manifestPathOf(lost))).toBe(false);
    expect([young, other].filter((f) => !existsSync(f))).toEqual([]); // too recent to judge; not a point file
    for (const p of await pointsOf(vmId))
      expect(existsSync(p.filePath) && existsSync(manifestPathOf(p.filePath)), p.id).toBe(true);
  });
});
