import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { openSnapshots } from './db-snapshot';
import { createTestDb } from './test-db';

const t = createTestDb();
afterAll(() => t.cleanup());

describe('database snapshots', () => {
  it('see a write made through Prisma, name the rows and put them back', async () => {
    await db().user.create({ data: { id: 'u1', username: 'ann', name: 'Ann', passwordHash: 'x', role: 'viewer' } });
    const snaps = openSnapshots(t.url.replace(/^file:/, ''));
    const pristine = snaps.take();
    const v = snaps.version();
    expect(snaps.version()).toBe(v);

    await db().user.update({ where: { id: 'u1' }, data: { role: 'admin' } });
    await db().user.create({ data: { id: 'u2', username: 'bob', name: 'Bob', passwordHash: 'x', role: 'viewer' } });
    expect(snaps.version()).not.toBe(v);
    const d = snaps.diff(pristine, snaps.take()).get('User')!;
    expect(d.added.map((r) => [r.id, r.role])).toEqual([
      ['u1', 'admin'],
      ['u2', 'viewer'],
    ]);
    expect(d.removed.map((r) => [r.id, r.role])).toEqual([['u1', 'viewer']]);

    snaps.restore(pristine);
    expect(snaps.diff(pristine, snaps.take()).size).toBe(0);
    expect((await db().user.findMany()).map((u) => [u.id, u.role])).toEqual([['u1', 'viewer']]);
    snaps.close();
  });
});
