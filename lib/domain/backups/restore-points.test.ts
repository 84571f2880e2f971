import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { parseTaskPayload, type TaskPayloadInput } from '@/lib/domain/tasks/kinds';
import { finishTask } from '@/lib/domain/tasks/service';
import { makeContext } from '@/lib/worker/context';
import { deletePointHandler } from '@/lib/worker/handlers/restore-point-delete';
import { admin, operator } from '@/lib/testing/fixtures';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { chainOf } from './chain';
import { deleteRestorePoint, safetyChainId } from './restore-points';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let agent: FakeAgent;
let jobId: string;
const file = (id: string) => `/backups/vm-a/${id}.qcow2`;

// VM a: full A <- B <- C <- D (one chain, one job). The fake agent rebases and deletes.
beforeEach(async () => {
  agent = await startFakeAgent({
    'POST /v1/backups/delete': (body) => ({ deleted: (body as { paths: string[] }).paths }),
    'POST /v1/backups/rebase': () => fakeOperation('op-rebase', { state: 'running', progress: 0 }),
    'GET /v1/operations/:id': (_b, p) =>
      fakeOperation(p.id, { result: { sha256: 'e'.repeat(64), sizeBytes: 77, manifestUpdated: true } }),
  });
  const hostId = (await seedFakeAgentHost('h1', agent)).id;
  const repo = await db().backupRepository.create({ data: { name: 'main', kind: 'shared', path: '/backups' } });
  jobId = (await db().backupJob.create({ data: { name: 'nightly', repositoryId: repo.id, schedule: '0 2 * * *' } })).id;
  for (const [i, [id, parentId]] of (
    [
      ['A', null],
      ['B', 'A'],
      ['C', 'B'],
      ['D', 'C'],
    ] as const
  ).entries())
    await db().restorePoint.create({
      data: {
        id,
        vmId: 'vm-a',
        vmName: 'web',
        jobId,
        repositoryId: repo.id,
        hostId,
        kind: parentId ? 'incremental' : 'full',
        chainId: 'A',
        parentId,
        filePath: file(id),
        sha256: 'a'.repeat(64),
        sizeBytes: 10n,
        virtualSizeBytes: 10n,
        takenAt: new Date(Date.UTC(2026, 0, 1, i)),
      },
    });
});
afterEach(async () => {
  await agent.close();
  for (const t of ['auditEvent', 'taskStep', 'task', 'restorePoint', 'backupJob', 'backupRepository', 'host'] as const)
    await (db()[t] as unknown as { deleteMany(): Promise<unknown> }).deleteMany();
});

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { status: number; code: string; data?: Record<string, unknown> }) => ({
      status: e.status,
      code: e.code,
      data: e.data,
    }),
  );

// Runs the queued task the way the worker does.
async function runTask(taskId: string) {
  const task = await db().task.findUniqueOrThrow({ where: { id: taskId } });
  const out = await deletePointHandler(
    makeContext(taskId, { id: admin.id, name: admin.username }, false),
    parseTaskPayload('restore-point.delete', task.payload),
  );
  await finishTask(taskId, out);
  return out;
}

// Every remaining point's chain reaches a registered full, and each row's parent is a row.
async function expectRestorable() {
  const points = await db().restorePoint.findMany();
  for (const p of points) {
    const chain = chainOf(points, p.id);
    expect(chain[0]).toMatchObject({ parentId: null, kind: 'full' });
    expect(chain.at(-1)!.id).toBe(p.id);
  }
  return points;
}

describe('deleting one restore point', () => {
  it('is admin-only (operator 403, audited as denied)', async () => {
    expect(await rejection(deleteRestorePoint(operator, 'D', { merge: false }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await db().auditEvent.findFirst({ where: { action: 'restore-point.delete' } })).toMatchObject({
      result: 'denied',
      actorName: 'olga',
    });
    expect(await db().restorePoint.count()).toBe(4);
  });

  it('refuses a point others depend on unless merge, naming them; merge rebases the dependant onto its parent', async () => {
    expect(await rejection(deleteRestorePoint(admin, 'B', { merge: false }))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      data: { dependants: ['C'] },
    });
    const { taskId, dependants } = await deleteRestorePoint(admin, 'B', { merge: true });
    expect(dependants).toEqual(['C']);
    expect(await runTask(taskId)).toEqual({ deleted: 'B', rebased: ['C'], freedBytes: 10 });
    expect(agent.calls.map((c) => [c.route, c.body])).toEqual([
      ['POST /v1/backups/rebase', { path: file('C'), backingPath: file('A') }],
      ['GET /v1/operations/:id', undefined],
      ['POST /v1/backups/delete', { paths: [file('B')] }],
    ]);
    const points = await expectRestorable();
    expect(points.map((p) => [p.id, p.parentId])).toEqual([
      ['A', null],
      ['C', 'A'],
      ['D', 'C'],
    ]);
    expect(points.find((p) => p.id === 'C')).toMatchObject({
      kind: 'incremental',
      sha256: 'e'.repeat(64),
      sizeBytes: 77n,
    });
    const audits = await db().auditEvent.findMany({
      where: { action: 'restore-point.delete' },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => a.result)).toEqual(['accepted', 'succeeded']);
  });

  it('deleting the full flattens its dependant into a full; the head just goes', async () => {
    await runTask((await deleteRestorePoint(admin, 'A', { merge: true })).taskId);
    expect((await expectRestorable()).map((p) => [p.id, p.parentId, p.kind])).toEqual([
      ['B', null, 'full'],
      ['C', 'B', 'incremental'],
      ['D', 'C', 'incremental'],
    ]);
    expect(agent.callsTo('POST /v1/backups/rebase')[0].body).toEqual({ path: file('B'), backingPath: null });
    agent.calls.length = 0;
    await runTask((await deleteRestorePoint(admin, 'D', { merge: false })).taskId);
    expect(agent.calls.map((c) => c.route)).toEqual(['POST /v1/backups/delete']);
    expect((await expectRestorable()).map((p) => p.id)).toEqual(['B', 'C']);
  });

  it('refuses (409) while a verify or restore reads the chain, a backup of the job runs, or another deletion is in it', async () => {
    const reader = await db().task.create({
      data: {
        kind: 'backup.verify',
        title: 'v',
        state: 'running',
        payload: JSON.stringify({ pointIds: ['D'], boot: false }),
      },
    });
    expect(await rejection(deleteRestorePoint(admin, 'B', { merge: true }))).toMatchObject({
      status: 409,
      data: { taskId: reader.id, kind: 'backup.verify' },
    });
    await db().task.update({ where: { id: reader.id }, data: { state: 'succeeded' } });
    const run = await db().task.create({
      data: { kind: 'backup.run', title: 'r', state: 'queued', targetType: 'backup-job', targetId: jobId },
    });
    expect(await rejection(deleteRestorePoint(admin, 'D', { merge: false }))).toMatchObject({
      status: 409,
      data: { taskId: run.id, kind: 'backup.run' },
    });
    await db().task.update({ where: { id: run.id }, data: { state: 'succeeded' } });
    const first = await deleteRestorePoint(admin, 'D', { merge: false });
    expect(await rejection(deleteRestorePoint(admin, 'B', { merge: true }))).toMatchObject({
      status: 409,
      data: { taskId: first.taskId, kind: 'restore-point.delete' },
    });
    // A reader that arrived after the task was queued makes the task fail without touching files.
    await db().task.create({
      data: {
        kind: 'vm.restore',
        title: 'r',
        state: 'queued',
        payload: JSON.stringify({
          vmId: 'vm-a',
          pointId: 'A',
          mode: 'new',
          instant: false,
        } satisfies TaskPayloadInput<'vm.restore'>),
      },
    });
    await expect(runTask(first.taskId)).rejects.toMatchObject({ status: 409 });
    expect(agent.calls).toEqual([]);
    expect(await db().restorePoint.count()).toBe(4);
    expect(
      await db().auditEvent.findFirst({ where: { action: 'restore-point.delete', result: 'failed' } }),
    ).not.toBeNull();
  });

  it('refuses (409) a safety point while the replace-restore that made it runs', async () => {
    const restore = await db().task.create({
      data: { kind: 'vm.restore', title: 'replace', state: 'running', targetType: 'vm', targetId: 'vm-a' },
    });
    const a = await db().restorePoint.findUniqueOrThrow({ where: { id: 'A' } });
    await db().restorePoint.create({
      data: {
        ...a,
        id: 'S',
        kind: 'safety',
        chainId: safetyChainId(restore.id),
        parentId: null,
        jobId: null,
        filePath: '/pool/vms/vm-a/disk0.safety-x.qcow2',
        createdAt: undefined,
      },
    });
    expect(await rejection(deleteRestorePoint(admin, 'S', { merge: false }))).toMatchObject({
      status: 409,
      data: { taskId: restore.id, kind: 'vm.restore' },
    });
  });

  it('a point that is gone: 404 from the service; the task says so', async () => {
    expect(await rejection(deleteRestorePoint(admin, 'nope', { merge: false }))).toMatchObject({
      status: 404,
      code: 'NO_SUCH_OBJECT',
    });
    const { taskId } = await deleteRestorePoint(admin, 'D', { merge: false });
    await db().restorePoint.delete({ where: { id: 'D' } });
    expect(await runTask(taskId)).toEqual({ deleted: null, rebased: [], freedBytes: 0 });
  });
});
