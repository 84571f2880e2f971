import 'server-only';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Database } from 'better-sqlite3';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { PrismaClient as PgPrismaClient } from '@/lib/generated/prisma-pg/client';
import { databaseProvider, databaseUrl } from './url';

export type Db = PrismaClient;

const g = globalThis as unknown as { __vmopsDb?: PrismaClient };

// Dashboard and worker are separate processes writing one SQLite file. The adapter opens
// interactive transactions with a deferred BEGIN: two of them that read and then write can
// deadlock, and SQLite then fails one at once with SQLITE_BUSY ("Operation has timed out"),
// whatever the busy timeout. BEGIN IMMEDIATE takes the write lock first, so a second writer
// waits its turn instead; WAL lets readers go on meanwhile.
function sqliteAdapter(url: string): PrismaBetterSQLite3 {
  const factory = new PrismaBetterSQLite3({ url, timeout: 15_000 });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const client = (adapter as unknown as { client: Database }).client;
    await ensureWal(client);
    const prepare = client.prepare.bind(client);
    client.prepare = ((sql: string) => prepare(sql === 'BEGIN' ? 'BEGIN IMMEDIATE' : sql)) as Database['prepare'];
    return adapter;
  };
  return factory;
}

// WAL is a property of the file, set by the first process that opens it. Two processes switching
// at the same moment deadlock on the lock upgrade and SQLite answers one SQLITE_BUSY at once,
// whatever the busy timeout (seen when the dashboard and the worker first open a new file): the
// loser retries, and then finds the file in WAL already.
async function ensureWal(client: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (client.pragma('journal_mode', { simple: true }) !== 'wal') client.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') || attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
    }
  }
}

// Created on first use and cached on globalThis: creating it at module load breaks `next build`
// while it collects page data, and dev reloads would otherwise open a connection per reload.
export function db(): PrismaClient {
  g.__vmopsDb ??= openDb(databaseUrl());
  return g.__vmopsDb;
}

// DATABASE_URL picks the engine: SQLite (file:...) or PostgreSQL (postgresql://...). A writer may
// wait for another's lock: give the start of a transaction room.
export function openDb(url: string): PrismaClient {
  const transactionOptions = { maxWait: 15_000, timeout: 30_000 };
  if (databaseProvider(url) === 'sqlite') return new PrismaClient({ adapter: sqliteAdapter(url), transactionOptions });
  // Generated from the same models (scripts/db/schemas.ts): the same API, typed as the master's.
  const adapter = new PrismaPg({ connectionString: url, max: 10, connectionTimeoutMillis: 15_000 });
  return new PgPrismaClient({ adapter, transactionOptions }) as unknown as PrismaClient;
}
