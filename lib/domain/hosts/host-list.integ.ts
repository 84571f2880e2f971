import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import type { HostDto } from './dto';
import { listHostsPage } from './host-list';
import { listHosts } from './queries';
import { HOST_SORTS, hostsQuerySchema } from './schemas';
import { hostSummary } from './summary';

// On each engine (CI runs the integration files on SQLite and PostgreSQL): ties on every sort key,
// names that sort differently as text and as numbers, three sites, all statuses.
const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const COUNT = 57;
const GiB = 2 ** 30;
const query = (q: Record<string, string>) => hostsQuerySchema.parse(q);

beforeAll(async () => {
  const now = Date.now();
  await db().host.createMany({
    data: Array.from({ length: COUNT }, (_, i) => ({
      id: `host-${String((i * 11) % COUNT).padStart(3, '0')}`,
      name: `${['rack', 'edge', 'core'][i % 3]}-${i}`,
      agentUrl: 'http://127.0.0.1:1',
      agentTokenHash: `hash-${i}`,
      site: ['main', 'dr', 'lab'][i % 3],
      driver: i % 10 === 0 ? 'simulated' : 'qemu',
      maintenance: i % 7 === 0,
      // Every fifth host silent for a minute: offline.
      lastHeartbeat: new Date(i % 5 === 0 ? now - 60_000 : now),
      cpuCount: 4,
      cpuPct: (i % 6) * 10,
      memoryTotalBytes: BigInt(16 * GiB),
      memoryUsedBytes: BigInt((i % 4) * GiB),
    })),
  });
  await db().vm.createMany({
    data: Array.from({ length: 40 }, (_, i) => ({
      id: `vm-${i}`,
      name: `vm-${i}`,
      hostId: `host-${String(i % 9).padStart(3, '0')}`,
      state: i % 2 ? 'running' : 'stopped',
      vcpus: 1,
      memoryMiB: 256,
      diskSizeBytes: 1n,
    })),
  });
});

// Every page of a query, following the cursors as a client follows the Link headers.
async function walk(q: Record<string, string>): Promise<HostDto[]> {
  const hosts: HostDto[] = [];
  let cursor: string | null = null;
  do {
    const page = await listHostsPage(query({ ...q, ...(cursor ? { cursor } : {}) }));
    expect(page.items.length).toBeLessThanOrEqual(Number(q.limit ?? 100));
    hosts.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return hosts;
}

const key: Record<(typeof HOST_SORTS)[number], (h: HostDto) => string | number> = {
  name: (h) => h.name,
  cpu: (h) => h.cpuPct,
  memory: (h) => h.memoryUsedBytes,
};

describe('the host list, a page at a time', () => {
  it('returns every host exactly once in every sort and order, each as its own page shows it', async () => {
    const all = await listHosts();
    const byId = new Map(all.map((h) => [h.id, h]));
    for (const sort of HOST_SORTS)
      for (const order of ['asc', 'desc'] as const) {
        const hosts = await walk({ sort, order, limit: '8' });
        expect(hosts.map((h) => h.id).sort()).toEqual([...byId.keys()].sort());
        const cmp = (a: HostDto, b: HostDto) => {
          const [x, y] = [key[sort](a), key[sort](b)];
          const c = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1;
          return order === 'asc' ? c : -c;
        };
        expect(hosts.map((h) => h.id)).toEqual([...hosts].sort(cmp).map((h) => h.id));
        for (const h of hosts) expect(h).toEqual(byId.get(h.id));
      }
  });

  it('filters by name, site and status in the database', async () => {
    const all = await listHosts();
    const same = async (q: Record<string, string>, want: (h: HostDto) => boolean) =>
      expect((await walk({ ...q, limit: '5' })).map((h) => h.name).sort()).toEqual(
        all
          .filter(want)
          .map((h) => h.name)
          .sort(),
      );
    await same({ q: 'EDGE-1' }, (h) => h.name.includes('edge-1'));
    await same({ site: 'dr' }, (h) => h.site === 'dr');
    await same({ status: 'online' }, (h) => h.status === 'online');
    await same({ status: 'offline' }, (h) => h.status === 'offline');
    await same({ status: 'maintenance', site: 'lab' }, (h) => h.maintenance && h.site === 'lab');
    expect(await walk({ q: 'no-such-host' })).toEqual([]);
  });

  it('refuses an unknown cursor (404) and a hostile query (422)', async () => {
    await expect(listHostsPage(query({ cursor: 'gone' }))).rejects.toMatchObject({ status: 404 });
    for (const bad of [{ q: "x' OR 1=1" }, { limit: '501' }, { sort: 'agentTokenHash' }, { status: 'up' }, { x: '1' }])
      expect(hostsQuerySchema.safeParse(bad).success).toBe(false);
  });

  it('sums the fleet as the full list would', async () => {
    const all = await listHosts();
    const online = all.filter((h) => h.status === 'online');
    expect(await hostSummary()).toEqual({
      hosts: COUNT,
      online: online.length,
      up: online.length,
      maintenance: all.filter((h) => h.maintenance).length,
      cpuCount: 4 * COUNT,
      onlineCpuPctAvg: expect.closeTo(online.reduce((n, h) => n + h.cpuPct, 0) / online.length, 9),
      onlineMemoryUsedBytes: online.reduce((n, h) => n + h.memoryUsedBytes, 0),
      onlineMemoryTotalBytes: online.reduce((n, h) => n + h.memoryTotalBytes, 0),
      vmCount: all.reduce((n, h) => n + h.vmCount, 0),
      runningVmCount: all.reduce((n, h) => n + h.runningVmCount, 0),
      simulated: {
        count: all.filter((h) => h.driver === 'simulated').length,
        names: all
          .filter((h) => h.driver === 'simulated')
          .map((h) => h.name)
          .sort()
          .slice(0, 5),
      },
      sites: ['dr', 'lab', 'main'],
    });
    await db().haHostState.create({ data: { hostId: online[0].id, state: 'failed', reason: 'lease expired' } });
    expect((await hostSummary()).up).toBe(online.length - 1);
  });
});
