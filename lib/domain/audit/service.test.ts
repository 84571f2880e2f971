import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { recordAudit } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

describe('recordAudit', () => {
  it('chains each event to the previous one so an edit shows', async () => {
    for (const action of ['vm.create', 'vm.start', 'vm.delete'])
      await recordAudit({
        actor: { id: 'u1', name: 'olga' },
        action,
        target: { type: 'vm', id: 'vm-1', name: 'web' },
        result: 'succeeded',
      });
    const rows = await db().auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows[0].prevHash).toBe('0'.repeat(64));
    const rehash = (r: (typeof rows)[number]) => {
      const { id: _id, hash: _hash, ...rest } = r;
      return createHash('sha256')
        .update(JSON.stringify({ ...rest, at: r.at.toISOString() }))
        .digest('hex');
    };
    for (let i = 0; i < rows.length; i++) {
      expect(rows[i].hash).toBe(rehash(rows[i]));
      if (i) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
    }
    await db().auditEvent.update({ where: { id: rows[1].id }, data: { actorName: 'mallory' } });
    const edited = await db().auditEvent.findUniqueOrThrow({ where: { id: rows[1].id } });
    expect(rehash(edited)).not.toBe(edited.hash);
  });
});
