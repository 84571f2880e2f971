// `tsx scripts/db/with-postgres.ts [--db-tests] -- <command...>`: runs the command against a
// throwaway PostgreSQL server (started under a temp dir, stopped and removed after), its URL in
// VMOPS_TEST_PG: every test database (lib/testing/test-db.ts) is then a new database on it.
// --db-tests appends the integration test files that open a database (the rest never touch one),
// so `npm test` runs those twice: on SQLite, then on PostgreSQL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@/lib/net/free-port';
import { integFilesWithDatabase } from './db-test-files';
import { startLocalPg } from './pg-local';

async function main(): Promise<number> {
  const sep = process.argv.indexOf('--');
  if (sep < 0) throw new Error('usage: with-postgres.ts [--db-tests] -- <command...>');
  const command = process.argv.slice(sep + 1);
  if (process.argv.slice(2, sep).includes('--db-tests')) command.push(...integFilesWithDatabase());
  const dir = mkdtempSync(path.join(tmpdir(), 'vmops-pg-'));
  const pg = startLocalPg(dir, await freePort());
  try {
    console.log(`PostgreSQL at ${pg.url('postgres')}: ${command.join(' ')}`);
    const child = spawn(command[0], command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, VMOPS_TEST_PG: pg.url('postgres') },
    });
    return await new Promise<number>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? 1 : 0))));
  } finally {
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
