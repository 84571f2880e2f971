import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { seedHost } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { linkBetween, LINK_MAX_AGE_MS, pairsToProbe, queueDueLinkProbes } from './links';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const h = (id: string) => ({ id, name: id });

describe('pairsToProbe', () => {
  it('measures each host once as a source and once as a target, against the next host by name', () => {
    expect(pairsToProbe([h('b'), h('a')], [])).toEqual([
      { sourceHostId: 'a', targetHostId: 'b' },
      { sourceHostId: 'b', targetHostId: 'a' },
    ]);
    expect(pairsToProbe([h('a'), h('b'), h('c')], [])).toHaveLength(3); // a->b, b->c, c->a: O(hosts)
    expect(pairsToProbe([h('a'), h('b')], [{ sourceHostId: 'a', targetHostId: 'b' }])).toEqual([
      { sourceHostId: 'b', targetHostId: 'a' },
    ]);
    expect(pairsToProbe([h('a')], [])).toEqual([]);
  });
});

describe('queueDueLinkProbes and linkBetween', () => {
  it('queues what is due once, and the estimate reads the pair or the ends', async () => {
    const [a, b] = [await seedHost('a'), await seedHost('b')];
    expect(await queueDueLinkProbes()).toBe(2);
    expect(await queueDueLinkProbes()).toBe(0); // already queued
    await db().task.deleteMany();
    const fresh = { bytesPerSec: 800, qemuStartMs: 90, probeMs: 80, probeBytes: BigInt(64) };
    await db().hostLink.create({ data: { sourceHostId: a.id, targetHostId: b.id, ...fresh } });
    await db().hostLink.create({
      data: {
        sourceHostId: b.id,
        targetHostId: a.id,
        ...fresh,
        bytesPerSec: 400,
        measuredAt: new Date(Date.now() - LINK_MAX_AGE_MS - 1000),
      },
    });
    expect(await queueDueLinkProbes()).toBe(1); // b -> a is a day old
    expect(await linkBetween(a.id, b.id)).toMatchObject({ bytesPerSec: 800, qemuStartMs: 90, exact: true });
    const c = await seedHost('c');
    // A pair never probed: what its source measured as a source, its target as a target.
    expect(await linkBetween(a.id, c.id)).toMatchObject({ bytesPerSec: 800, exact: false });
    expect(await linkBetween(c.id, a.id)).toMatchObject({ bytesPerSec: 400, qemuStartMs: 90, exact: false });
    expect(await linkBetween('nope', 'nada')).toBeNull();
  });
});
