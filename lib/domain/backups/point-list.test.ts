import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import type { RestorePointDto } from './dto';
import { listRestorePoints } from './queries';
import { RESTORE_POINT_SORTS, restorePointsQuerySchema } from './schemas';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

// Past the SQLite driver's bound-parameter limit (999 on many builds), with many ties on every sort key.
const COUNT = 1_300;
const VMS = 13;
const pad = (i: number) => String(i).padStart(5, '0');
const KINDS = ['full', 'incremental', 'incremental', 'safety'];
const VERIFY = ['unverified', 'ok', 'failed', 'boot-ok', 'boot-failed'];
const T0 = Date.parse('2026-11-01T00:00:00Z');
const query = (q: Record<string, string>) => restorePointsQuerySchema.parse(q);

beforeAll(async () => {
  const repo = await db().backupRepository.create({ data: { id: 'repo-1', name: 'main', kind: 'shared', path: '/b' } });
  await db().backupJob.createMany({
    data: ['job-0', 'job-1'].map((id) => ({ id, name: `nightly ${id}`, repositoryId: repo.id, schedule: '0 1 * * *' })),
  });
  await db().restorePoint.createMany({
    data: Array.from({ length: COUNT }, (_, i) => ({
      // Not in time order, so a sort that fell back to the id would show.
      id: `rp-${pad((i * 7) % COUNT)}`,
      vmId: `vm-${i % VMS}`,
      vmName: `app-${String(i % VMS).padStart(2, '0')}`,
      jobId: i % 3 === 2 ? null : `job-${i % 3}`,
      repositoryId: i % 5 === 0 ? null : repo.id,
      hostId: i % 2 ? 'h1' : 'h2',
      kind: KINDS[i % 4],
      chainId: `c-${i % VMS}`,
      filePath: `/b/${i}.qcow2`,
      sha256: 'x',
      // Ten sizes and ten points a minute: every key is shared by many points, the id orders them.
      sizeBytes: BigInt(((i * 13) % 10) << 20),
      virtualSizeBytes: 1n << 30n,
      takenAt: new Date(T0 + Math.floor(i / 10) * 60_000),
      verifyState: VERIFY[i % 5],
    })),
  });
});

// Every page of a query, following the cursors as a client follows the Link headers.
async function walk(q: Record<string, string>): Promise<{ points: RestorePointDto[]; pages: number }> {
  const points: RestorePointDto[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listRestorePoints(query({ ...q, ...(cursor ? { cursor } : {}) }));
    points.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 200);
  return { points, pages };
}
const ids = (ps: RestorePointDto[]) => ps.map((p) => p.id);

describe('listRestorePoints at fleet size', () => {
  it('answers the newest 100 when asked nothing, with their job names', async () => {
    const page = await listRestorePoints(query({}));
    expect(page.items).toHaveLength(100);
    expect(page.items[0].takenAt).toBe(new Date(T0 + 129 * 60_000).toISOString());
    expect(page.nextCursor).toBe(page.items[99].id);
    for (const p of page.items) expect(p.jobName).toBe(p.jobId ? `nightly ${p.jobId}` : null);
  });

  for (const sort of RESTORE_POINT_SORTS)
    for (const order of ['asc', 'desc'] as const)
      it(`walks every point exactly once sorted by ${sort} ${order}`, async () => {
        const { points, pages } = await walk({ sort, order, limit: '97' });
        expect(pages).toBe(Math.ceil(COUNT / 97));
        expect(points).toHaveLength(COUNT);
        expect(new Set(ids(points)).size).toBe(COUNT);
        const key = (p: RestorePointDto): string | number =>
          sort === 'taken' ? Date.parse(p.takenAt) : sort === 'size' ? p.sizeBytes : p.vmName;
        const sign = order === 'asc' ? 1 : -1;
        for (let i = 1; i < points.length; i++) {
          const [a, b] = [points[i - 1], points[i]];
          const cmp = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1;
          expect(cmp * sign, `${a.id} before ${b.id}`).toBe(-1);
        }
      });
});

describe('listRestorePoints filters', () => {
  const expected = (keep: (i: number) => boolean) =>
    Array.from({ length: COUNT }, (_, i) => i)
      .filter(keep)
      .map((i) => `rp-${pad((i * 7) % COUNT)}`)
      .sort();

  it('filters by VM, job, repository, host, kind and verification, and every page keeps them', async () => {
    const { points, pages } = await walk({ vmId: 'vm-3', limit: '30' });
    expect(pages).toBe(4);
    expect(ids(points).sort()).toEqual(expected((i) => i % VMS === 3));
    expect(ids((await walk({ jobId: 'job-1', limit: '500' })).points).sort()).toEqual(expected((i) => i % 3 === 1));
    expect(ids((await walk({ repositoryId: 'repo-1', hostId: 'h1', limit: '500' })).points).sort()).toEqual(
      expected((i) => i % 5 !== 0 && i % 2 === 1),
    );
    expect(ids((await walk({ kind: 'safety', verifyState: 'boot-failed' })).points).sort()).toEqual(
      expected((i) => i % 4 === 3 && i % 5 === 4),
    );
  });

  it('matches a part of the VM name, case-insensitively', async () => {
    expect(ids((await walk({ q: 'APP-1', limit: '500' })).points).sort()).toEqual(expected((i) => i % VMS >= 10));
  });

  it('keeps the points taken in [from, to)', async () => {
    const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
    const { points } = await walk({ from: at(10), to: at(20), sort: 'taken', order: 'asc' });
    expect(ids(points).sort()).toEqual(expected((i) => i >= 100 && i < 200));
    expect(points[0].takenAt).toBe(at(10));
  });

  it('goes on after a cursor point that no longer matches the filters (it was verified)', async () => {
    const all = ids((await walk({ verifyState: 'unverified', limit: '500' })).points);
    const first = await listRestorePoints(query({ verifyState: 'unverified', limit: '10' }));
    const cursor = first.nextCursor!;
    await db().restorePoint.update({ where: { id: cursor }, data: { verifyState: 'ok' } });
    try {
      const rest = await walk({ verifyState: 'unverified', limit: '50', cursor });
      expect([...ids(first.items), ...ids(rest.points)]).toEqual(all);
    } finally {
      await db().restorePoint.update({ where: { id: cursor }, data: { verifyState: 'unverified' } });
    }
  });
});
