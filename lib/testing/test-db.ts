// A throwaway SQLite database per test file, migrated with the project's own migrations, and its
// own agent-secret key file.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../prisma/migrations');

// `which` picks migrations by folder name: an upgrade test builds the old schema, adds rows, then
// applies the rest.
export function applyMigrations(file: string, which: (name: string) => boolean = () => true): void {
  const sqlite = new Database(file);
  for (const m of readdirSync(MIGRATIONS)
    .filter((d) => !d.endsWith('.toml') && which(d))
    .sort())
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
  applyMigrations(file, opts.migrations);
  const url = `file:${file}`;
  process.env.DATABASE_URL = url;
  // The agent-secret key beside it, as the session secret sits beside the real database.
  process.env.VMOPS_SECRET_KEY_FILE = path.join(dir, 'agent-secrets.key');
  (globalThis as { __vmopsDb?: unknown }).__vmopsDb = undefined;
  return { url, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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
