// One DATABASE_URL selects the database for the CLI and the runtime. The embedded default is a
// SQLite file under the data dir, so a fresh checkout works with no setup.
import path from 'node:path';

export function dataDir(): string {
  return path.resolve(process.env.VMOPS_DATA_DIR ?? 'data');
}

export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? `file:${path.join(dataDir(), 'vmops.db')}`;
}

export function sqlitePath(url: string): string {
  return url.replace(/^file:/, '');
}
