// GET /api/restore-points as Next calls it: the page in the body, the next one in a Link header,
// 422 with a message per bad parameter, 404 for a cursor naming no point, 401 signed out.
import '@/lib/testing/next-runtime'; // first: before anything loads Next
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '@/lib/db/client';
import { callRoute, discoverRoutes, type RouteAnswer } from '@/lib/testing/app-routes';
import { seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';

const session = vi.hoisted(() => ({ user: null as { id: string } | null }));
vi.mock('next-auth', async (importOriginal) => ({
  ...(await importOriginal<typeof import('next-auth')>()),
  getServerSession: async () =>
    session.user ? { user: session.user, expires: new Date(Date.now() + 3600_000).toISOString() } : null,
}));

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const [route] = discoverRoutes('api/restore-points').filter((r) => r.pattern === '/api/restore-points');
async function get(query: Record<string, string> = {}): Promise<RouteAnswer> {
  return callRoute(route, (await route.load()).GET!, { method: 'GET', params: {}, query });
}

beforeAll(async () => {
  await seedUsers();
  await db().restorePoint.createMany({
    data: Array.from({ length: 5 }, (_, i) => ({
      id: `rp-${i}`,
      vmId: i < 3 ? 'vm-a' : 'vm-b',
      vmName: i < 3 ? 'alpha' : 'beta',
      hostId: 'h1',
      kind: i === 0 ? 'full' : 'incremental',
      chainId: 'c',
      filePath: `/b/${i}.qcow2`,
      sha256: 'x',
      sizeBytes: 1n << 20n,
      virtualSizeBytes: 1n << 30n,
      takenAt: new Date(Date.UTC(2026, 10, 1, i)),
    })),
  });
  session.user = { id: viewer.id }; // any signed-in user reads them
});

describe('GET /api/restore-points', () => {
  it('answers a page as an array and the next one in a Link header with the same query', async () => {
    const res = await get({ vmId: 'vm-a', limit: '2' });
    expect(res.status).toBe(200);
    expect((res.body as { id: string }[]).map((p) => p.id)).toEqual(['rp-2', 'rp-1']);
    expect(res.headers.get('link')).toBe('</api/restore-points?vmId=vm-a&limit=2&cursor=rp-1>; rel="next"');
    const last = await get({ vmId: 'vm-a', limit: '2', cursor: 'rp-1' });
    expect((last.body as { id: string }[]).map((p) => p.id)).toEqual(['rp-0']);
    expect(last.headers.get('link')).toBeNull();
  });

  it('keeps answering the old callers: every point of a VM, newest first', async () => {
    const res = await get({ vmId: 'vm-b' });
    expect((res.body as { id: string; vmName: string }[]).map((p) => [p.id, p.vmName])).toEqual([
      ['rp-4', 'beta'],
      ['rp-3', 'beta'],
    ]);
  });

  it('refuses bad parameters with 422 and a message for each', async () => {
    const bad = await get({
      limit: '501',
      sort: 'name',
      kind: 'snapshot',
      verifyState: 'maybe',
      q: '%',
      from: 'yesterday',
      page: '2',
    });
    expect(bad.status).toBe(422);
    const { code, data } = (bad.body as { error: { code: string; data: { fields: Record<string, string[]> } } }).error;
    expect(code).toBe('INVALID_INPUT');
    expect(Object.keys(data.fields).sort()).toEqual(['from', 'kind', 'limit', 'page', 'q', 'sort', 'verifyState']);
    const backwards = await get({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' });
    expect(backwards.status).toBe(422);
    expect(Object.keys((backwards.body as { error: { data: { fields: object } } }).error.data.fields)).toEqual(['to']);
  });

  it('answers 404 NO_SUCH_OBJECT for a cursor naming no point', async () => {
    const gone = await get({ cursor: 'rp-gone' });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      error: { code: 'NO_SUCH_OBJECT', data: { type: 'restore point', id: 'rp-gone' } },
    });
  });

  it('answers 401 signed out, before reading the query', async () => {
    const user = session.user;
    session.user = null;
    try {
      expect((await get({ limit: 'x' })).status).toBe(401);
    } finally {
      session.user = user;
    }
  });
});
