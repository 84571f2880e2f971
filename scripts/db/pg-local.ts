// A PostgreSQL server of our own under a directory (Debian's postgresql package: binaries in
// /usr/lib/postgresql/<version>/bin, no system service needed): `npm start -- --postgres` keeps it
// under data/pg, the tests start a throwaway one. Run as root, the server runs as user postgres
// (initdb refuses root). Trust authentication, listening on 127.0.0.1 only.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const BASE = '/usr/lib/postgresql';

export function pgBin(tool: string): string {
  const versions = existsSync(BASE) ? readdirSync(BASE).filter((v) => existsSync(path.join(BASE, v, 'bin', tool))) : [];
  const v = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new Error(`PostgreSQL's ${tool} is not installed: run \`apt-get install -y postgresql\` (as root)`);
  return path.join(BASE, v, 'bin', tool);
}

const asRoot = process.getuid?.() === 0;

function run(tool: string, args: string[], timeoutMs = 60_000): string {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]] : [pgBin(tool), args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr || r.stdout || r.error}`);
  return r.stdout;
}

export type LocalPg = { url: (database: string) => string; stop: () => void };

// Starts the server in dir (initdb on first use) on port; returns at once if it already runs.
export function startLocalPg(dir: string, port: number): LocalPg {
  const data = path.join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  if (asRoot) {
    execFileSync('chown', ['postgres:postgres', dir]);
    if (spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).status !== 0)
      throw new Error(`user postgres cannot reach ${dir}: every directory above it must be searchable (o+x)`);
  }
  if (!existsSync(path.join(data, 'PG_VERSION')))
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--locale=C.UTF-8', '-E', 'UTF8']);
  const pidFile = path.join(data, 'postmaster.pid');
  const running =
    existsSync(pidFile) && spawnSync('kill', ['-0', readFileSync(pidFile, 'utf8').split('\n')[0]]).status === 0;
  if (!running) {
    // max_connections: several dashboards and workers, each with a pool of 10.
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'], 90_000);
  }
  return {
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    stop: () => stopLocalPg(dir),
  };
}

// A postmaster.pid a killed server left behind names no live process.
function isRunning(data: string): boolean {
  const pidFile = path.join(data, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  return spawnSync('kill', ['-0', readFileSync(pidFile, 'utf8').split('\n')[0]]).status === 0;
}

// Stops the server of dir if it runs (a fresh start removes its files next).
export function stopLocalPg(dir: string): void {
  const data = path.join(dir, 'data');
  if (isRunning(data)) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
}

// psql against the server (statements, or a file with -f): synchronous, for set-up code.
export function psql(url: string, args: string[]): string {
  const r = spawnSync(pgBin('psql'), [url, '-v', 'ON_ERROR_STOP=1', '-q', '-X', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`psql ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}
