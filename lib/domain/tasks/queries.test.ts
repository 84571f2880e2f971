import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { listTasks, listTasksQuerySchema } from './queries';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const query = (q: Record<string, string>) => listTasksQuerySchema.parse(q);

beforeAll(async () => {
  // 25 tasks, several created in the same millisecond: pages must neither skip nor repeat one.
  const at = Date.parse('2026-12-01T00:00:00Z');
  await db().task.createMany({
    data: Array.from({ length: 25 }, (_, i) => ({
      id: `t${String(i).padStart(3, '0')}`,
      kind: 'vm.start',
      title: `task ${i}`,
      state: i % 5 === 0 ? 'failed' : 'succeeded',
      createdAt: new Date(at + Math.floor(i / 3) * 1000),
    })),
  });
});

describe('listTasks pages', () => {
  it('walks every task once, newest first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listTasks(query({ limit: '7', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `t${String(24 - i).padStart(3, '0')}`));
  });

  it('pages keep their filter', async () => {
    const first = await listTasks(query({ state: 'failed', limit: '3' }));
    expect(first.items.map((t) => t.id)).toEqual(['t020', 't015', 't010']);
    const second = await listTasks(query({ state: 'failed', limit: '3', cursor: first.nextCursor! }));
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items.map((t) => t.id)).toEqual(['t005', 't000']);
  });

  it('a cursor naming no task is 404, a malformed one is refused by the schema', async () => {
    await expect(listTasks(query({ cursor: 'nosuchtask' }))).rejects.toMatchObject({ status: 404 });
    expect(listTasksQuerySchema.safeParse({ cursor: '../x' }).success).toBe(false);
  });
});
