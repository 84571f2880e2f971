import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import type { BackupRunVmResult } from './dto';
import { RunRecorder } from './runs';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let jobId: string;
beforeAll(async () => {
  const repo = await db().backupRepository.create({ data: { name: 'r', kind: 'shared', path: '/backups' } });
  jobId = (await db().backupJob.create({ data: { name: 'j', repositoryId: repo.id, schedule: '0 2 * * *' } })).id;
});

const result = (vmId: string, patch: Partial<BackupRunVmResult> = {}): BackupRunVmResult => ({
  vmId,
  vmName: vmId,
  state: 'running',
  kind: null,
  fullReason: null,
  bytesWritten: 0,
  sizeBytes: 0,
  durationMs: 0,
  pointId: `rp-${vmId}`,
  error: null,
  ...patch,
});
const point = (id: string) => ({
  id,
  vmId: 'a',
  vmName: 'a',
  hostId: 'h1',
  kind: 'full',
  chainId: id,
  filePath: `/backups/a/${id}.qcow2`,
  sha256: 'a'.repeat(64),
  sizeBytes: 1n,
  virtualSizeBytes: 1n,
  takenAt: new Date(),
});
const stored = async (run: RunRecorder) =>
  JSON.parse((await db().backupRun.findUniqueOrThrow({ where: { id: run.run.id } })).results) as BackupRunVmResult[];

describe('RunRecorder', () => {
  it('commits a restore point and its VM result together, or neither', async () => {
    const run = await RunRecorder.start(jobId, 'task-1', 'manual', [result('a'), result('b')]);
    await run.commit('a', { state: 'succeeded', pointId: 'rp-a' }, db().restorePoint.create({ data: point('rp-a') }));
    expect((await stored(run)).map((r) => r.state)).toEqual(['succeeded', 'running']);
    expect(await db().restorePoint.count({ where: { id: 'rp-a' } })).toBe(1);

    // The row cannot be created (the id is taken): the result stays running, here and stored.
    await expect(
      run.commit('b', { state: 'succeeded', pointId: 'rp-a' }, db().restorePoint.create({ data: point('rp-a') })),
    ).rejects.toThrow();
    expect((await stored(run)).map((r) => r.state)).toEqual(['succeeded', 'running']);
    expect(run.results[1].state).toBe('running');

    // A failed write does not stop the ones after it; each writes the results as they are then.
    await run.set('b', { state: 'failed', error: 'boom' });
    expect(await run.finish()).toBe('partial');
    expect((await stored(run)).map((r) => r.state)).toEqual(['succeeded', 'failed']);
  });

  it('writes queued before a commit cannot undo it', async () => {
    const run = await RunRecorder.start(jobId, 'task-2', 'manual', [result('a'), result('b')]);
    const writes = [
      run.set('b', { operationId: 'op-b' }),
      run.commit('a', { state: 'succeeded' }, db().restorePoint.create({ data: point('rp-c') })),
      run.set('b', { state: 'failed' }),
    ];
    await Promise.all(writes);
    expect((await stored(run)).map((r) => [r.state, r.operationId ?? null])).toEqual([
      ['succeeded', null],
      ['failed', 'op-b'],
    ]);
  });
});
