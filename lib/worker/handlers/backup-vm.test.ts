import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupResult, BackupVmRequest } from '@/lib/agent-protocol/backup';
import { db } from '@/lib/db/client';
import { clearTables } from '@/lib/testing/fixtures';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import type { BackupRunVmResult } from '@/lib/domain/backups/dto';
import { RunRecorder } from '@/lib/domain/backups/runs';
import { conflict, noSuchObject } from '@/lib/errors';
import type { BackupJob, BackupRepository } from '@/lib/generated/prisma/client';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { backupOneVm, discardUnfinished, type BackupVm } from './backup-vm';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const REPO = '/backups/main';
let agent: FakeAgent | null = null;
let hostId: string;
let job: BackupJob;
let repo: BackupRepository;
let vm: BackupVm;
let taskId: string;

beforeEach(async () => {
  await clearTables('taskStep', 'task', 'restorePoint', 'backupRun', 'backupJob', 'backupRepository', 'vm', 'host');
});
afterEach(async () => {
  await agent?.close();
  agent = null;
});

async function setup(routes: Parameters<typeof startFakeAgent>[0]) {
  agent = await startFakeAgent(routes);
  hostId = (await seedFakeAgentHost('h1', agent)).id;
  repo = await db().backupRepository.create({ data: { name: 'main', kind: 'shared', path: REPO } });
  job = await db().backupJob.create({ data: { name: 'nightly', repositoryId: repo.id, schedule: '0 2 * * *' } });
  const row = await db().vm.create({
    data: { id: 'vm-a', name: 'a', hostId, state: 'running', vcpus: 1, memoryMiB: 128, diskSizeBytes: 1n },
  });
  vm = { ...row, image: null, tags: [] };
  taskId = (await db().task.create({ data: { kind: 'backup.run', title: 'run', state: 'running' } })).id;
}

const pending = (vmId: string): BackupRunVmResult => ({
  vmId,
  vmName: vmId,
  state: 'failed',
  kind: null,
  fullReason: null,
  bytesWritten: 0,
  sizeBytes: 0,
  durationMs: 0,
  pointId: null,
  error: 'not started',
});
const agentResult = (file: string, removedFiles: string[] = []): BackupResult => ({
  kind: 'full',
  fullReason: 'no previous backup',
  path: file,
  sha256: 'b'.repeat(64),
  sizeBytes: 4096,
  virtualSizeBytes: 65536,
  bytesWritten: 2048,
  durationMs: 1500,
  takenAt: new Date().toISOString(),
  vmState: 'running',
  removedFiles,
});
const pointRow = (id: string, vmId: string, extra: Record<string, unknown> = {}) => ({
  id,
  vmId,
  vmName: vmId,
  hostId,
  kind: 'full',
  chainId: id,
  filePath: path.join(REPO, vmId, `${id}.qcow2`),
  sha256: 'a'.repeat(64),
  sizeBytes: 10n,
  virtualSizeBytes: 10n,
  takenAt: new Date(),
  ...extra,
});
const steps = async () =>
  (await db().taskStep.findMany({ where: { taskId }, orderBy: { id: 'asc' } })).map((s) => s.message);
const storedResults = async (runId: string) =>
  JSON.parse((await db().backupRun.findUniqueOrThrow({ where: { id: runId } })).results) as BackupRunVmResult[];

describe('backupOneVm', () => {
  it('registers the point with its result; tells the agent which files of the directory are registered', async () => {
    let req: BackupVmRequest | null = null;
    await setup({
      'POST /v1/vms/:id/backup': (body) => (
        (req = body as BackupVmRequest),
        fakeOperation('op-1', { state: 'running', progress: 0 })
      ),
      'GET /v1/operations/:id': () =>
        fakeOperation('op-1', {
          result: agentResult(path.join(req!.targetDir, `${req!.pointId}.qcow2`), [
            path.join(REPO, 'vm-a', 'rp-0123456789ab.qcow2'),
          ]),
        }),
    });
    await db().restorePoint.create({ data: pointRow('rp-other-job', 'vm-a', { jobId: 'another-job' }) });
    await db().restorePoint.create({ data: pointRow('rp-other-vm', 'vm-ab') }); // /backups/main/vm-ab: not this directory
    const run = await RunRecorder.start(job.id, taskId, 'manual', [pending('vm-a')]);
    const r = await backupOneVm(makeContext(taskId, SYSTEM_ACTOR, false), { job, repo, vm, run, onProgress: () => {} });

    expect(req).toMatchObject({
      targetDir: path.join(REPO, 'vm-a'),
      parent: null,
      registered: [path.join(REPO, 'vm-a', 'rp-other-job.qcow2')],
    });
    expect(r).toMatchObject({
      state: 'succeeded',
      kind: 'full',
      bytesWritten: 2048,
      sizeBytes: 4096,
      durationMs: 1500,
      pointId: req!.pointId,
      error: null,
    });
    expect(await db().restorePoint.findUniqueOrThrow({ where: { id: r.pointId! } })).toMatchObject({
      runId: run.run.id,
      jobId: job.id,
      kind: 'full',
      filePath: path.join(REPO, 'vm-a', `${r.pointId}.qcow2`),
    });
    expect((await storedResults(run.run.id))[0]).toMatchObject({ state: 'succeeded', pointId: r.pointId });
    expect((await steps()).join('\n')).toMatch(
      /removed 1 file\(s\) of earlier runs that no restore point references: \/backups\/main\/vm-a\/rp-0123456789ab\.qcow2/,
    );
    expect(agent!.callsTo('POST /v1/backups/delete')).toEqual([]);
  });

  it('an operation the agent lost (restarted) registers nothing and removes what it may have written', async () => {
    await setup({
      'POST /v1/vms/:id/backup': () => fakeOperation('op-1', { state: 'running', progress: 0 }),
      'GET /v1/operations/:id': (_b, p) => {
        throw noSuchObject('operation', p.id);
      },
      'POST /v1/backups/delete': (body) => ({ deleted: (body as { paths: string[] }).paths }),
    });
    const run = await RunRecorder.start(job.id, taskId, 'manual', [pending('vm-a')]);
    const r = await backupOneVm(makeContext(taskId, SYSTEM_ACTOR, false), { job, repo, vm, run, onProgress: () => {} });

    expect(r).toMatchObject({ state: 'failed', pointId: null, error: 'NO_SUCH_OBJECT: No operation "op-1"' });
    const pointId = (await storedResults(run.run.id))[0].pointId!;
    const file = path.join(REPO, 'vm-a', `${pointId}.qcow2`);
    expect(agent!.callsTo('POST /v1/backups/delete').map((c) => c.body)).toEqual([
      { paths: [file, `${file}.partial`] },
    ]);
    expect(await db().restorePoint.count()).toBe(0);
    expect((await steps()).join('\n')).toMatch(/the failed backup was not registered; its files are gone/);
  });

  it("a file the agent is still writing (409) stays for the next backup's sweep, and the task says so", async () => {
    await setup({
      'POST /v1/vms/:id/backup': () => fakeOperation('op-1', { state: 'running', progress: 0 }),
      'GET /v1/operations/:id': () => fakeOperation('op-1', { result: { kind: 'full' } }), // not a BackupResult: the worker cannot register it
      'POST /v1/backups/delete': (body) => {
        throw conflict(`A backup is still writing ${(body as { paths: string[] }).paths[1]}`);
      },
    });
    const run = await RunRecorder.start(job.id, taskId, 'manual', [pending('vm-a')]);
    const r = await backupOneVm(makeContext(taskId, SYSTEM_ACTOR, false), { job, repo, vm, run, onProgress: () => {} });
    expect(r.state).toBe('failed');
    expect(await db().restorePoint.count()).toBe(0);
    expect((await steps()).join('\n')).toMatch(
      /could not remove the unregistered file .*rp-[0-9a-f]{12}\.qcow2: .*; the next backup of this VM removes it/,
    );
  });

  it('a registration that fails registers nothing, leaves the result unfinished and removes the file', async () => {
    let file = '';
    await setup({
      // The point id is taken meanwhile: the restore point row cannot be created.
      'POST /v1/vms/:id/backup': async (body) => {
        const { pointId, targetDir } = body as BackupVmRequest;
        file = path.join(targetDir, `${pointId}.qcow2`);
        await db().restorePoint.create({ data: pointRow(pointId, 'vm-z') });
        return fakeOperation('op-1', { state: 'running', progress: 0 });
      },
      'GET /v1/operations/:id': () => fakeOperation('op-1', { result: agentResult(file) }),
      'POST /v1/backups/delete': (body) => ({ deleted: (body as { paths: string[] }).paths }),
    });
    const run = await RunRecorder.start(job.id, taskId, 'manual', [pending('vm-a')]);
    const r = await backupOneVm(makeContext(taskId, SYSTEM_ACTOR, false), { job, repo, vm, run, onProgress: () => {} });
    expect(r).toMatchObject({ state: 'failed', pointId: null });
    expect(await db().restorePoint.count({ where: { vmId: 'vm-a' } })).toBe(0);
    expect((await storedResults(run.run.id))[0].state).toBe('running'); // the caller records the failure
    expect(agent!.callsTo('POST /v1/backups/delete').map((c) => c.body)).toEqual([
      { paths: [file, `${file}.partial`] },
    ]);
  });
});

describe('discardUnfinished (recovered run)', () => {
  it('keeps a point registered before the worker died and marks its result succeeded; deletes an unregistered one', async () => {
    await setup({
      'GET /v1/operations/:id': (_b, p) => fakeOperation(p.id),
      'POST /v1/backups/delete': (body) => ({ deleted: (body as { paths: string[] }).paths }),
    });
    const run = await db().backupRun.create({ data: { jobId: job.id, taskId } });
    await db().restorePoint.create({
      data: pointRow('rp-kept', 'vm-a', {
        runId: run.id,
        kind: 'incremental',
        bytesWritten: 300n,
        sizeBytes: 900n,
        durationMs: 42,
      }),
    });
    const running = (vmId: string, pointId: string): BackupRunVmResult => ({
      ...pending(vmId),
      state: 'running',
      error: null,
      pointId,
      hostId,
      operationId: `op-${vmId}`,
    });
    const results = [running('vm-a', 'rp-kept'), running('vm-b', 'rp-lost')];
    await discardUnfinished(makeContext(taskId, SYSTEM_ACTOR, true), repo, run.id, results);

    expect(results[0]).toMatchObject({
      state: 'succeeded',
      kind: 'incremental',
      bytesWritten: 300,
      sizeBytes: 900,
      durationMs: 42,
      pointId: 'rp-kept',
      error: null,
    });
    expect(results[1]).toMatchObject({
      state: 'failed',
      pointId: null,
      error: expect.stringMatching(/nothing was registered/),
    });
    const file = path.join(REPO, 'vm-b', 'rp-lost.qcow2');
    expect(agent!.callsTo('POST /v1/backups/delete').map((c) => c.body)).toEqual([
      { paths: [file, `${file}.partial`] },
    ]);
    expect(agent!.callsTo('GET /v1/operations/:id').map((c) => c.params.id)).toEqual(['op-vm-b']); // waited for before deleting
    expect(await db().restorePoint.count({ where: { id: 'rp-kept' } })).toBe(1);
    expect((await steps()).join('\n')).toMatch(
      /a: restore point rp-kept was registered before the worker stopped; it stays/,
    );
  });
});
