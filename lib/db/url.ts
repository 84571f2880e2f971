// One DATABASE_URL selects the database for the CLI and the runtime. The embedded default is a
// SQLite file under the data dir, so a fresh checkout works with no setup.
import path from 'node:path';

// The dashboard's data dir (database, session secret, agent-secret key): VMOPS_DATA_DIR or ./data.
export function dataDir(): string {
  return process.env.VMOPS_DATA_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'data');
}

export function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  return `file:${path.join(/*turbopackIgnore: true*/ dataDir(), 'vmops.db')}`;
}

export type DatabaseProvider = 'sqlite' | 'postgresql';

export function databaseProvider(url: string): DatabaseProvider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  // The scheme only: the rest may hold a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'this value';
  throw new Error(`DATABASE_URL must be file:<path> (SQLite) or postgresql://... (PostgreSQL), not ${scheme}`);
}
