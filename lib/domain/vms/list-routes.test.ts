// GET /api/vms, /api/vms/count and /api/vms/tags as Next calls them: the page in the body, the
// next one in a Link header, 422 with a message per bad parameter, 404 for a cursor naming no VM.
import '@/lib/testing/next-runtime'; // first: before anything loads Next
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { db } from '@/lib/db/client';
import { callRoute, discoverRoutes, type RouteAnswer } from '@/lib/testing/app-routes';
import { admin, seedHost, seedUsers } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';

const session = vi.hoisted(() => ({ user: null as { id: string } | null }));
vi.mock('next-auth', async (importOriginal) => ({
  ...(await importOriginal<typeof import('next-auth')>()),
  getServerSession: async () =>
    session.user ? { user: session.user, expires: new Date(Date.now() + 3600_000).toISOString() } : null,
}));

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const routes = discoverRoutes('api/vms');
async function get(pattern: string, query: Record<string, string> = {}): Promise<RouteAnswer> {
  const route = routes.find((r) => r.pattern === pattern)!;
  const handler = (await route.load()).GET!;
  return callRoute(route, handler, { method: 'GET', params: {}, query });
}

beforeAll(async () => {
  await seedUsers();
  const host = await seedHost('h1');
  await db().vm.createMany({
    data: Array.from({ length: 5 }, (_, i) => ({
      id: `vm-${i}`,
      name: `web-${i}`,
      hostId: host.id,
      state: i < 3 ? 'running' : 'stopped',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 1n << 30n,
      tags: JSON.stringify(i === 0 ? ['db'] : []),
    })),
  });
  session.user = { id: admin.id };
});

describe('GET /api/vms', () => {
  it('answers a page as an array and the next one in a Link header with the same query', async () => {
    const res = await get('/api/vms', { state: 'running', limit: '2' });
    expect(res.status).toBe(200);
    expect((res.body as { name: string }[]).map((v) => v.name)).toEqual(['web-0', 'web-1']);
    expect(res.headers.get('link')).toBe('</api/vms?state=running&limit=2&cursor=vm-1>; rel="next"');
    const last = await get('/api/vms', { state: 'running', limit: '2', cursor: 'vm-1' });
    expect((last.body as { name: string }[]).map((v) => v.name)).toEqual(['web-2']);
    expect(last.headers.get('link')).toBeNull();
  });

  it('refuses bad parameters with 422 and a message for each', async () => {
    const bad = await get('/api/vms', { limit: '9999', sort: 'cpu', q: '%', state: 'asleep', page: '2' });
    expect(bad.status).toBe(422);
    const { code, data } = (bad.body as { error: { code: string; data: { fields: Record<string, string[]> } } }).error;
    expect(code).toBe('INVALID_INPUT');
    expect(Object.keys(data.fields).sort()).toEqual(['limit', 'page', 'q', 'sort', 'state']);
    expect(data.fields.page).toEqual(['unknown field']);
  });

  it('answers 404 NO_SUCH_OBJECT for a cursor naming no VM', async () => {
    const gone = await get('/api/vms', { cursor: 'vm-gone' });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: { code: 'NO_SUCH_OBJECT', data: { type: 'VM', id: 'vm-gone' } } });
  });

  it('answers 401 signed out, before reading the query', async () => {
    session.user = null;
    try {
      expect((await get('/api/vms', { limit: 'x' })).status).toBe(401);
    } finally {
      session.user = { id: admin.id };
    }
  });
});

describe('GET /api/vms/count and /api/vms/tags', () => {
  it('counts what the filters match and refuses the list-only parameters', async () => {
    expect((await get('/api/vms/count')).body).toEqual({ count: 5 });
    expect((await get('/api/vms/count', { state: 'stopped', q: 'WEB' })).body).toEqual({ count: 2 });
    const bad = await get('/api/vms/count', { cursor: 'vm-1' });
    expect(bad.status).toBe(422);
  });

  it('lists the tags in use', async () => {
    expect((await get('/api/vms/tags')).body).toEqual([{ tag: 'db', count: 1 }]);
  });
});
