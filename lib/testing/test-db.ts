// A throwaway SQLite database per test file, migrated with the project's own migrations.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../prisma/migrations');

export function createTestDb(): { url: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmops-db-'));
  const file = path.join(dir, 'test.db');
  const sqlite = new Database(file);
  for (const m of readdirSync(MIGRATIONS).filter((d) => !d.endsWith('.toml')).sort())
    sqlite.exec(readFileSync(path.join(MIGRATIONS, m, 'migration.sql'), 'utf8'));
  sqlite.close();
  const url = `file:${file}`;
  process.env.DATABASE_URL = url;
  (globalThis as { __vmopsDb?: unknown }).__vmopsDb = undefined;
  return { url, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
