// A throwaway database per test file, migrated with the project's own migrations, and its own
// agent-secret key file. SQLite by default; with VMOPS_TEST_PG (a PostgreSQL server's URL, set by
// scripts/db/with-postgres.ts) a new database on that server, migrated with PostgreSQL's.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { psql } from '@/scripts/db/pg-local';
import { PG_MIGRATIONS } from '@/scripts/db/schema-files';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../prisma/migrations');
const migrationNames = (dir: string) => readdirSync(dir).filter((d) => !d.endsWith('.toml'));

// `which` picks migrations by folder name: an upgrade test builds the old schema, adds rows, then
// applies the rest.
export function applyMigrations(file: string, which: (name: string) => boolean = () => true): void {
  const sqlite = new Database(file);
  for (const m of migrationNames(MIGRATIONS).filter(which).sort())
    sqlite.exec(readFileSync(path.join(MIGRATIONS, m, 'migration.sql'), 'utf8'));
  sqlite.close();
}

export function createTestDb(opts: { migrations?: (name: string) => boolean } = {}): {
  url: string;
  file: string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmops-db-'));
  const file = path.join(dir, 'test.db');
  const pg = process.env.VMOPS_TEST_PG;
  if (pg && opts.migrations) throw new Error('upgrade tests run on SQLite only (its migrations are the master)');
  const db = pg ? createPgDb(pg) : { url: `file:${file}`, drop: () => {} };
  if (!pg) applyMigrations(file, opts.migrations);
  process.env.DATABASE_URL = db.url;
  // The agent-secret key beside it, as the session secret sits beside the real database.
  process.env.VMOPS_SECRET_KEY_FILE = path.join(dir, 'agent-secrets.key');
  (globalThis as { __vmopsDb?: unknown }).__vmopsDb = undefined;
  const cleanup = () => {
    db.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: db.url, file, cleanup };
}

function createPgDb(server: string): { url: string; drop: () => void } {
  const name = `vmops_test_${randomBytes(6).toString('hex')}`;
  psql(server, ['-c', `CREATE DATABASE ${name}`]);
  const url = new URL(server);
  url.pathname = `/${name}`;
  for (const m of migrationNames(PG_MIGRATIONS).sort())
    psql(url.toString(), ['-f', path.join(PG_MIGRATIONS, m, 'migration.sql')]);
  return { url: url.toString(), drop: () => void psql(server, ['-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]) };
}

// A row as SQLite stores it, bypassing Prisma: for asserting what really lands on disk.
export function rawRow(file: string, table: string, id: string): Record<string, unknown> {
  const sqlite = new Database(file, { readonly: true });
  try {
    return sqlite.prepare(`SELECT * FROM "${table}" WHERE id = ?`).get(id) as Record<string, unknown>;
  } finally {
    sqlite.close();
  }
}
