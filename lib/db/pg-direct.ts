import 'server-only';
import pg from 'pg';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { SqlRunner } from './sql-runner';
import { databaseUrl } from './url';

const TIMESTAMP_OID = 1114; // timestamp without time zone: Prisma keeps UTC there

// Its own small pool beside Prisma's (lib/db/client.ts), for the statements of lib/db/sql-runner.ts.
// Every step is bounded: connecting, each statement, and a transaction left idle.
function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 15_000,
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 30_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === TIMESTAMP_OID
          ? (v: string) => new Date(`${v.replace(' ', 'T')}Z`)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server closed (restart, a dropped test database) must not end the process.
  pool.on('error', () => {});
  return pool;
}

const g = globalThis as unknown as { __vmopsPgDirect?: { url: string; pool: pg.Pool } };

function pool(): pg.Pool {
  const url = databaseUrl();
  if (g.__vmopsPgDirect?.url !== url) {
    void g.__vmopsPgDirect?.pool.end().catch(() => {});
    g.__vmopsPgDirect = { url, pool: openPool(url) };
  }
  return g.__vmopsPgDirect.pool;
}

export async function pgTransaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T> {
  const client = await pool().connect();
  const runner: SqlRunner = {
    rows: async <R>(q: Prisma.Sql) => (await client.query(q.text, q.values)).rows as R[],
    run: async (q) => (await client.query(q.text, q.values)).rowCount ?? 0,
  };
  let failed = false;
  try {
    await client.query('BEGIN');
    const result = await fn(runner);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failed = true;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    // A connection whose rollback may not have happened is not handed out again.
    client.release(failed);
  }
}

// Runs `fn` while holding a PostgreSQL advisory lock named `name`, on a connection of its own, or
// skips it (null) when another process holds the lock: periodic work several workers share runs
// once. The lock goes with the connection if this process dies.
export async function withPgLock<T>(name: string, fn: () => Promise<T>): Promise<T | null> {
  const client = await pool().connect();
  let broken = false;
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
    if (!rows[0].ok) return null;
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch(() => void (broken = true));
    }
  } finally {
    // A connection that may still hold the lock is closed, which frees it.
    client.release(broken);
  }
}
