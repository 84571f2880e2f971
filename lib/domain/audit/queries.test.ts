import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '@/lib/testing/test-db';
import { listAuditEvents, listAuditQuerySchema } from './queries';
import { recordAudit } from './service';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const query = (q: Record<string, string>) => listAuditQuerySchema.parse(q);

beforeAll(async () => {
  for (let i = 0; i < 12; i++)
    await recordAudit({
      actor: { id: 'u1', name: i % 2 ? 'olga' : 'ann' },
      action: 'vm.start',
      target: { type: 'vm', id: `vm-${i}`, name: `web-${i}` },
      result: 'succeeded',
    });
});

describe('listAuditEvents pages', () => {
  it('walks every event once, newest first, keeping the filter', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listAuditEvents(query({ actor: 'olga', limit: '4', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.items.map((e) => e.targetName ?? ''));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['web-11', 'web-9', 'web-7', 'web-5', 'web-3', 'web-1']);
  });

  it('refuses a cursor that is not an event id', () => {
    for (const cursor of ['abc', '0', '-3', '1.5'])
      expect(listAuditQuerySchema.safeParse({ cursor }).success).toBe(false);
  });
});
