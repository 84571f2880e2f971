import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import type { TaskKind, TaskPayloadInput } from '@/lib/domain/tasks/kinds';
import { createTestDb } from '@/lib/testing/test-db';
import { activePointDelete, activeReaders, DELETE_POINT_TASK, waitForRetention } from './chain-readers';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let jobId: string;
beforeEach(async () => {
  for (const t of ['task', 'restorePoint', 'backupRun', 'backupJob', 'backupRepository'] as const)
    await (db()[t] as unknown as { deleteMany(): Promise<unknown> }).deleteMany();
  const repo = await db().backupRepository.create({ data: { name: 'r', kind: 'shared', path: '/backups' } });
  jobId = (await db().backupJob.create({ data: { name: 'j', repositoryId: repo.id, schedule: '0 2 * * *' } })).id;
  await db().restorePoint.create({
    data: {
      id: 'p1',
      vmId: 'a',
      vmName: 'a',
      jobId,
      hostId: 'h1',
      kind: 'full',
      chainId: 'p1',
      filePath: '/backups/a/p1.qcow2',
      sha256: 'a'.repeat(64),
      sizeBytes: 1n,
      virtualSizeBytes: 1n,
      takenAt: new Date(),
    },
  });
});

// A backup.run of the job; `finished`: its run row is closed, i.e. it is in its retention phase.
async function backupRun(finished: boolean) {
  const task = await db().task.create({
    data: { kind: 'backup.run', title: 'run', state: 'running', targetType: 'backup-job', targetId: jobId },
  });
  await db().backupRun.create({ data: { jobId, taskId: task.id, finishedAt: finished ? new Date() : null } });
  return task;
}

const taskRow = <K extends TaskKind>(kind: K, state: string, payload: TaskPayloadInput<K>) =>
  db().task.create({ data: { kind, title: kind, state, payload: JSON.stringify(payload) } });

describe('chain readers', () => {
  it('lists the points active restore and verify tasks read, by their payload schemas', async () => {
    const r = await taskRow('vm.restore', 'running', {
      vmId: 'vm-r',
      pointId: 'p1',
      mode: 'replace',
      instant: false,
      previousState: 'running',
    });
    const v = await taskRow('backup.verify', 'queued', { pointIds: ['p2', 'p3'], boot: false });
    await taskRow('backup.verify', 'succeeded', { pointIds: ['p4'], boot: false });
    await taskRow('vm.start', 'running', { vmId: 'p5', previousState: 'stopped' });
    // Payloads their schema refuses never run (the worker fails them on claim), so they read nothing.
    await db().task.create({
      data: { kind: 'backup.verify', title: 'bad', state: 'queued', payload: JSON.stringify({ pointIds: 'p6' }) },
    });
    await db().task.create({
      data: { kind: 'vm.restore', title: 'bad', state: 'queued', payload: '{"pointId": "p7"' },
    });
    expect(Object.fromEntries(await activeReaders())).toEqual({
      p1: { taskId: r.id, kind: 'vm.restore' },
      p2: { taskId: v.id, kind: 'backup.verify' },
      p3: { taskId: v.id, kind: 'backup.verify' },
    });
  });

  it('a reader does not wait for a run still backing up, nor for a point without a job', async () => {
    await backupRun(false);
    const steps: string[] = [];
    await waitForRetention('p1', async (m) => void steps.push(m), { pollMs: 10 });
    await waitForRetention('no-such-point', async (m) => void steps.push(m), { pollMs: 10 });
    expect(steps).toEqual([]);
  });

  it("a reader waits while the job's retention runs, saying so once", async () => {
    const task = await backupRun(true);
    const steps: string[] = [];
    let done = false;
    const waiting = waitForRetention('p1', async (m) => void steps.push(m), { pollMs: 20 }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(done).toBe(false);
    await db().task.update({ where: { id: task.id }, data: { state: 'succeeded' } });
    await waiting;
    expect(steps).toEqual([
      `Waiting for task ${task.id} (retention or deletion in this point's chain) to finish before reading its files`,
    ]);
  });

  it('a reader waits while a point of its chain is being deleted (not for other chains)', async () => {
    await taskRow(DELETE_POINT_TASK, 'running', { pointId: 'x', chainId: 'x', merge: true });
    await db().task.create({
      data: { kind: DELETE_POINT_TASK, title: 'bad', state: 'queued', payload: JSON.stringify({ chainId: 'p1' }) },
    });
    const steps: string[] = [];
    await waitForRetention('p1', async (m) => void steps.push(m), { pollMs: 10 });
    expect(steps).toEqual([]);
    const del = await taskRow(DELETE_POINT_TASK, 'queued', { pointId: 'p0', chainId: 'p1', merge: true });
    expect(await activePointDelete('p1')).toBe(del.id);
    expect(await activePointDelete('p1', del.id)).toBeNull();
    const waiting = waitForRetention('p1', async (m) => void steps.push(m), { pollMs: 20 });
    await new Promise((r) => setTimeout(r, 100));
    expect(steps).toHaveLength(1);
    await db().task.update({ where: { id: del.id }, data: { state: 'failed' } });
    await waiting;
  });

  it('gives up with a coded timeout', async () => {
    await backupRun(true);
    await expect(waitForRetention('p1', async () => {}, { pollMs: 10, timeoutMs: 50 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      status: 504,
    });
  });
});
