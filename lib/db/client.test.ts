// Two processes (as the dashboard and the worker are) running read-then-write transactions on one
// SQLite file at once: with a deferred BEGIN, SQLite fails some of them with SQLITE_BUSY.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDb } from '@/lib/testing/test-db';
import { openDb } from './client';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const testDb = createTestDb();

afterAll(() => testDb.cleanup());

describe('SQLite client', () => {
  it("serializes two processes' read-then-write transactions instead of failing one", async () => {
    const child = (label: string) =>
      run(
        process.execPath,
        ['--import', 'tsx', '--conditions=react-server', 'lib/db/contention-child.ts', testDb.url, label, '25'],
        { cwd: root, timeout: 60_000 },
      );
    const results = await Promise.allSettled([child('a'), child('b')]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason).slice(0, 300) : 'ok'))).toEqual(['ok', 'ok']);
    // Every event saw the one before it: the chain has no fork.
    const db = openDb(testDb.url);
    const rows = await db.auditEvent.findMany({ orderBy: { id: 'asc' } });
    await db.$disconnect();
    expect(rows).toHaveLength(50);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
  }, 90_000);
});
