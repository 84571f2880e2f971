// One DATABASE_URL selects the database for the CLI and the runtime. The embedded default is a
// SQLite file under the data dir, so a fresh checkout works with no setup.
import path from 'node:path';

export function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const dir = process.env.VMOPS_DATA_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'data');
  return `file:${path.join(/*turbopackIgnore: true*/ dir, 'vmops.db')}`;
}
