import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { seedHost, seedImage } from '@/lib/testing/fixtures';
import type { VmDto } from './dto';
import { countVms, getVm, listVms, listVmTags } from './queries';
import { countVmsQuerySchema, listVmsQuerySchema, VM_SORTS } from './schemas';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

// Past the SQLite driver's bound-parameter limit (999 on many builds): the list must still answer.
const COUNT = 1_200;
const pad = (i: number) => String(i).padStart(5, '0');
const STATES = ['running', 'stopped', 'paused'];
const query = (q: Record<string, string>) => listVmsQuerySchema.parse(q);

beforeAll(async () => {
  const h1 = await seedHost('h1');
  const h2 = await seedHost('h2');
  await db().host.update({ where: { id: h2.id }, data: { site: 'dr' } });
  const image = await seedImage();
  const at = Date.parse('2026-12-01T00:00:00Z');
  await db().vm.createMany({
    data: Array.from({ length: COUNT }, (_, i) => ({
      id: `vm-${pad(i)}`,
      // Not in id order, so a sort by name that fell back to the id would show.
      name: `fleet-${pad((i * 7) % COUNT)}`,
      hostId: i % 4 === 0 ? h2.id : h1.id,
      imageId: image.id,
      state: STATES[i % 3],
      vcpus: 1 + (i % 4),
      memoryMiB: 128 * (1 + (i % 5)),
      diskSizeBytes: 1n << 30n,
      // Ten VMs a second: many share a creation time, the id orders them.
      createdAt: new Date(at + Math.floor(i / 10) * 1000),
      tags: JSON.stringify(i % 50 === 0 ? ['web', 'a_b'] : i % 50 === 1 ? ['axb'] : []),
      role: i % 100 === 1 ? 'replica' : 'vm',
      replicaOfId: i % 100 === 1 ? `vm-${pad(i - 1)}` : null,
    })),
  });
  // An active task on one VM in three hundred; finished ones on others.
  await db().task.createMany({
    data: Array.from({ length: COUNT / 10 }, (_, i) => ({
      kind: 'vm.start',
      title: `task ${i}`,
      targetType: 'vm',
      targetId: `vm-${pad(i * 10)}`,
      state: i % 30 === 0 ? 'running' : 'succeeded',
    })),
  });
});

// Every page of a query, following the cursors as a client follows the Link headers.
async function walk(q: Record<string, string>): Promise<{ vms: VmDto[]; pages: number }> {
  const vms: VmDto[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listVms(query({ ...q, ...(cursor ? { cursor } : {}) }));
    vms.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { vms, pages };
}

const ids = (vms: VmDto[]) => vms.map((v) => v.id);

describe('listVms at fleet size', () => {
  it(`pages through ${COUNT} VMs with their active tasks and replica names`, async () => {
    const { vms, pages } = await walk({ limit: '500' });
    expect(pages).toBe(3);
    expect(vms.map((v) => v.name)).toEqual(Array.from({ length: COUNT }, (_, i) => `fleet-${pad(i)}`));
    const active = ids(vms.filter((v) => v.activeTaskId !== null)).sort();
    expect(active).toEqual(Array.from({ length: COUNT / 300 }, (_, i) => `vm-${pad(i * 300)}`));
    expect(vms.find((v) => v.id === 'vm-00101')).toMatchObject({ role: 'replica', replicaOfName: 'fleet-00700' });
    expect((await getVm('vm-00000')).activeTaskId).toBe(vms.find((v) => v.id === 'vm-00000')!.activeTaskId);
  });

  it('answers the first 100 by name when asked nothing', async () => {
    const page = await listVms(query({}));
    expect(page.items).toHaveLength(100);
    expect(page.items[0].name).toBe('fleet-00000');
    expect(page.nextCursor).toBe(page.items[99].id);
  });

  for (const sort of VM_SORTS)
    for (const order of ['asc', 'desc'] as const)
      it(`walks every VM exactly once sorted by ${sort} ${order}`, async () => {
        const { vms } = await walk({ sort, order, limit: '97' });
        expect(vms).toHaveLength(COUNT);
        expect(new Set(ids(vms)).size).toBe(COUNT);
        const key = (v: VmDto): string | number =>
          sort === 'created' ? Date.parse(v.createdAt) : sort === 'memory' ? v.memoryMiB : v[sort];
        const sign = order === 'asc' ? 1 : -1;
        for (let i = 1; i < vms.length; i++) {
          const [a, b] = [vms[i - 1], vms[i]];
          const cmp = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1;
          expect(cmp * sign, `${a.id} before ${b.id}`).toBe(-1);
        }
      });

  it('sorts newest first by default when sorted by creation', async () => {
    const page = await listVms(query({ sort: 'created', limit: '3' }));
    expect(ids(page.items)).toEqual(['vm-01199', 'vm-01198', 'vm-01197']);
  });
});

describe('listVms filters', () => {
  it('matches a part of the name or the id, case-insensitively', async () => {
    expect((await walk({ q: 'FLEET-0119' })).vms.map((v) => v.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `fleet-0119${i}`),
    );
    expect(ids((await walk({ q: 'vm-0042' })).vms).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `vm-0042${i}`));
  });

  it('filters by state, host and site, and every page keeps the filters', async () => {
    const hosts = await db().host.findMany({ orderBy: { name: 'asc' } });
    const { vms, pages } = await walk({ state: 'stopped', hostId: hosts[0].id, limit: '50' });
    expect(pages).toBeGreaterThan(2);
    const expected = Array.from({ length: COUNT }, (_, i) => i).filter((i) => i % 3 === 1 && i % 4 !== 0);
    expect(ids(vms).sort()).toEqual(expected.map((i) => `vm-${pad(i)}`));
    const dr = await walk({ site: 'dr', limit: '500' });
    expect(dr.vms).toHaveLength(COUNT / 4);
    expect(dr.vms.every((v) => v.hostId === hosts[1].id)).toBe(true);
  });

  it('goes on after a cursor VM that no longer matches the filters (its state changed)', async () => {
    const all = ids((await walk({ state: 'running', limit: '500' })).vms);
    const first = await listVms(query({ state: 'running', limit: '10' }));
    const cursor = first.nextCursor!;
    await db().vm.update({ where: { id: cursor }, data: { state: 'stopped' } });
    try {
      const rest = await walk({ state: 'running', limit: '50', cursor });
      expect([...ids(first.items), ...ids(rest.vms)]).toEqual(all);
    } finally {
      await db().vm.update({ where: { id: cursor }, data: { state: 'running' } });
    }
  });

  it('lists the VMs named by id and those carrying any of the tags (a tag matches whole)', async () => {
    expect(ids((await walk({ ids: 'vm-00003,vm-00001,vm-09999' })).vms).sort()).toEqual(['vm-00001', 'vm-00003']);
    // a_b: LIKE would match "axb" too (its `_` is any character); only the VMs tagged a_b come.
    const tagged = await walk({ tags: 'a_b', limit: '7' });
    expect(tagged.vms).toHaveLength(COUNT / 50);
    expect(tagged.vms.every((v) => v.tags.includes('a_b'))).toBe(true);
    expect(await countVms(countVmsQuerySchema.parse({ tags: 'a_b' }))).toBe(COUNT / 50);
    expect(await countVms(countVmsQuerySchema.parse({ tags: 'axb,web' }))).toBe((2 * COUNT) / 50);
  });

  it('counts what the filters match', async () => {
    expect(await countVms(countVmsQuerySchema.parse({}))).toBe(COUNT);
    expect(await countVms(countVmsQuerySchema.parse({ state: 'running', site: 'dr' }))).toBe(COUNT / 12);
    expect(await countVms(countVmsQuerySchema.parse({ q: 'fleet-011' }))).toBe(100);
  });

  it('lists the tags in use with how many VMs carry each', async () => {
    expect(await listVmTags()).toEqual([
      { tag: 'a_b', count: COUNT / 50 },
      { tag: 'axb', count: COUNT / 50 },
      { tag: 'web', count: COUNT / 50 },
    ]);
  });

  it('answers 404 for a cursor naming no VM; the schema refuses malformed input', async () => {
    await expect(listVms(query({ cursor: 'vm-gone' }))).rejects.toMatchObject({
      status: 404,
      code: 'NO_SUCH_OBJECT',
    });
    for (const bad of [
      { cursor: '../x' },
      { q: '50%' },
      { q: 'a_b' },
      { q: 'x'.repeat(65) },
      { limit: '501' },
      { limit: '0' },
      { sort: 'cpu' },
      { order: 'up' },
      { state: 'asleep' },
      { ids: Array.from({ length: 101 }, (_, i) => `vm-${i}`).join(',') },
      { tags: 'Web' },
      { page: '2' },
    ])
      expect(listVmsQuerySchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 40)).toBe(false);
  });
});
