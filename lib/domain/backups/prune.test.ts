import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { clearTables } from '@/lib/testing/fixtures';
import type { BackupJob } from '@/lib/generated/prisma/client';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { pruneJob } from './prune';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let agent: FakeAgent;
let job: BackupJob;
let hostId: string;

beforeEach(async () => {
  agent = await startFakeAgent({
    'POST /v1/backups/delete': (body) => ({ deleted: (body as { paths: string[] }).paths }),
    'POST /v1/backups/rebase': () => fakeOperation('op-rebase', { state: 'running', progress: 0 }),
    'GET /v1/operations/:id': (_b, p) =>
      fakeOperation(p.id, { result: { sha256: 'e'.repeat(64), sizeBytes: 77, manifestUpdated: false } }),
  });
  hostId = (await seedFakeAgentHost('h1', agent)).id;
  const repo = await db().backupRepository.create({ data: { name: 'main', kind: 'shared', path: '/backups' } });
  job = await db().backupJob.create({
    data: { name: 'nightly', repositoryId: repo.id, schedule: '0 2 * * *', retention: JSON.stringify({ keepLast: 1 }) },
  });
  // VM a: full a1 <- incremental a2 (kept head: a2 is flattened, a1 goes). VM b: two fulls (b1 goes).
  const at = (h: number) => new Date(Date.UTC(2026, 0, 1, h));
  const point = (id: string, vmId: string, h: number, parentId: string | null, chainId: string) =>
    db().restorePoint.create({
      data: {
        id,
        vmId,
        vmName: vmId,
        jobId: job.id,
        repositoryId: repo.id,
        hostId,
        kind: parentId ? 'incremental' : 'full',
        chainId,
        parentId,
        filePath: `/backups/${vmId}/${id}.qcow2`,
        sha256: 'a'.repeat(64),
        sizeBytes: 10n,
        virtualSizeBytes: 10n,
        takenAt: at(h),
      },
    });
  await point('a1', 'a', 1, null, 'a1');
  await point('a2', 'a', 2, 'a1', 'a1');
  await point('b1', 'b', 1, null, 'b1');
  await point('b2', 'b', 2, null, 'b2');
});
afterEach(async () => {
  await agent.close();
  await clearTables('taskStep', 'task', 'restorePoint', 'backupJob', 'backupRepository', 'host');
});

const ids = async () => (await db().restorePoint.findMany({ orderBy: { id: 'asc' } })).map((p) => p.id);

describe('pruneJob', () => {
  it('leaves alone a chain that a verify reads (saying so) and prunes the others; the next prune does it', async () => {
    const verify = await db().task.create({
      data: {
        kind: 'backup.verify',
        title: 'verify',
        state: 'queued',
        payload: JSON.stringify({ pointIds: ['a2'], boot: true }),
      },
    });
    const log: string[] = [];
    expect(await pruneJob(job, async (m) => void log.push(m))).toEqual({ rebased: 0, deleted: 1, freedBytes: 10 });
    expect(await ids()).toEqual(['a1', 'a2', 'b2']);
    expect(agent.calls.map((c) => [c.route, c.body])).toEqual([
      ['POST /v1/backups/delete', { paths: ['/backups/b/b1.qcow2'] }],
    ]);
    expect(log[0]).toBe(
      `Retention: skipped the chain of a point a2 for now: backup.verify task ${verify.id} reads it; the next run applies the policy to it`,
    );

    await db().task.update({ where: { id: verify.id }, data: { state: 'succeeded' } });
    log.length = 0;
    expect(await pruneJob(job, async (m) => void log.push(m))).toEqual({ rebased: 1, deleted: 1, freedBytes: 10 });
    // The agent rewrites a point's manifest in the rebase; a point without one is said.
    expect(log).toContain('Retention: a point a2 has no manifest in the repository (taken before manifests existed)');
    expect(await ids()).toEqual(['a2', 'b2']);
    expect(await db().restorePoint.findUniqueOrThrow({ where: { id: 'a2' } })).toMatchObject({
      parentId: null,
      kind: 'full',
      sha256: 'e'.repeat(64),
      sizeBytes: 77n,
    });
  });

  it('a running restore of any point of the chain holds it too', async () => {
    await db().task.create({
      data: {
        kind: 'vm.restore',
        title: 'restore',
        state: 'running',
        payload: JSON.stringify({ vmId: 'vm-x', pointId: 'a1', mode: 'new', instant: true }),
      },
    });
    await db().task.create({
      data: {
        kind: 'vm.restore',
        title: 'old restore',
        state: 'failed',
        payload: JSON.stringify({ vmId: 'vm-y', pointId: 'b1', mode: 'new', instant: true }),
      },
    });
    await pruneJob(job, async () => {});
    expect(await ids()).toEqual(['a1', 'a2', 'b2']);
    expect(agent.callsTo('POST /v1/backups/rebase')).toEqual([]);
  });
});
