// Starts the whole product locally: migrated database (SQLite under the data dir; --postgres: a
// local PostgreSQL server under <data>/pg; or the DATABASE_URL given), first admin, dashboard (the built Next app
// with the console WebSocket: dashboard-server.ts), worker, and local host agents (h1, h2: own
// data dirs, one shared dir), enrolled with one-time tokens; seeds the image repository. Used by
// `npm start` and by the browser tests. Once up, a process that dies is restarted with backoff
// (supervisor.ts); Ctrl-C / SIGTERM stops them all.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { waitFor } from '@/lib/wait-for';
import { psql, startLocalPg, stopLocalPg, type LocalPg } from '@/scripts/db/pg-local';
import { killQemuUnder, runToEnd } from './processes';
import { writeSimulatedImage } from './simulated-image';
import { stopAll, supervise, type Supervised } from './supervisor';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    data: { type: 'string', default: process.env.VMOPS_DATA_DIR ?? 'data' },
    agents: { type: 'string', default: 'h1:7101,h2:7102' },
    driver: { type: 'string', default: process.env.VMOPS_DRIVER ?? 'auto' },
    fresh: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    'pg-port': { type: 'string', default: '54329' },
  },
});

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), opt.data!);
process.chdir(root); // tsx resolves the `@/` alias from ./tsconfig.json
const logDir = path.join(dataDir, 'logs');
const url = `http://127.0.0.1:${opt.port}`;
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
// TypeScript processes run as `node --import tsx` rather than through the tsx CLI, whose wrapper
// process would be the one signalled on shutdown and could leave the real process orphaned.
const nodeTs = (script: string, args: string[] = []) => [
  '--conditions=react-server',
  '--import',
  'tsx',
  path.join(root, script),
  ...args,
];
const say = (msg: string) => console.log(`vmops: ${msg}`);
// name:port[@site]: an agent of another site than `main` gets --site and a shared dir of its own
// (two sites share nothing: own shared pool, own image repository).
const agents = opt.agents!.split(',').map((a) => {
  const [spec, site = 'main'] = a.split('@');
  const [name, port] = spec.split(':');
  return { name, port: Number(port), site };
});
const children: Supervised[] = [];
let started = false;
let stopping = false;
let localPg: LocalPg | null = null;

// The database: --postgres starts (or reuses) a server under <data>/pg with a `vmops` database;
// otherwise DATABASE_URL if set (SQLite file or any PostgreSQL), else SQLite under the data dir.
function database(): string {
  if (!opt.postgres) return process.env.DATABASE_URL ?? `file:${path.join(dataDir, 'vmops.db')}`;
  localPg = startLocalPg(path.join(dataDir, 'pg'), Number(opt['pg-port']));
  const exists = psql(localPg.url('postgres'), ['-tAc', "SELECT 1 FROM pg_database WHERE datname = 'vmops'"]);
  if (!exists.trim()) psql(localPg.url('postgres'), ['-c', 'CREATE DATABASE vmops']);
  return localPg.url('vmops');
}

function prepareDataDir(): NodeJS.ProcessEnv {
  if (opt.fresh) {
    // QEMU processes outlive their agents by design; a fresh start must not leave them orphaned.
    killQemuUnder(dataDir);
    stopLocalPg(path.join(dataDir, 'pg'));
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  const secretFile = path.join(dataDir, 'nextauth-secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return {
    ...process.env,
    VMOPS_DATA_DIR: dataDir,
    DATABASE_URL: database(),
    NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: readFileSync(secretFile, 'utf8').trim(),
  };
}

// A child that dies while the stack is still coming up ends the start at once, with its log (a
// port in use or a broken build is not cured by retrying); once up, it is restarted.
function spawn(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  const restart = () => started && !stopping;
  const onExit = (_: unknown, restarting: boolean) => {
    if (!restarting && !started && !stopping) void fail(new Error(`${name} stopped during start-up`));
  };
  children.push(supervise(name, cmd, args, { env, logDir, quiet: opt.quiet, restart, onExit }));
}

async function fail(err: unknown): Promise<never> {
  console.error(`vmops: start failed: ${err instanceof Error ? err.message : String(err)}`);
  stopping = true;
  await stopAll(children);
  localPg?.stop();
  process.exit(1);
}

async function main(): Promise<void> {
  if (!existsSync(path.join(root, '.next/BUILD_ID')))
    throw new Error('no production build: run `npm run build` (npm start does it for you)');
  const env = prepareDataDir();
  const tsx = (script: string, args: string[] = []) => runToEnd(process.execPath, nodeTs(script, args), env);
  say(`database ${env.DATABASE_URL}`);
  await runToEnd(bin('prisma'), ['migrate', 'deploy'], env);
  const setup = JSON.parse(
    await tsx(
      'scripts/stack/setup.ts',
      agents.map((a) => a.name),
    ),
  ) as { adminPassword?: string; tokens: Record<string, string> };
  const pwFile = path.join(dataDir, 'initial-admin-password');
  if (setup.adminPassword) writeFileSync(pwFile, setup.adminPassword, { mode: 0o600 });

  // Node closes idle keep-alive sockets after 5 s; a client (a proxy, the browser tests' API
  // context) that reuses one just then gets ECONNRESET. Idle sockets stay open longer than the
  // usual proxy idle timeout (60 s) instead.
  spawn(
    'web',
    process.execPath,
    nodeTs('scripts/stack/dashboard-server.ts', [
      '--host',
      '127.0.0.1',
      '--port',
      opt.port!,
      '--keep-alive-timeout',
      '65000',
    ]),
    env,
  );
  spawn('worker', process.execPath, nodeTs('lib/worker/main.ts'), env);
  await waitFor('the dashboard', async () => (await fetch(`${url}/api/health`)).ok, 60_000, 500);
  for (const a of agents) {
    const args = [
      '--name',
      a.name,
      '--port',
      String(a.port),
      '--data',
      path.join(dataDir, 'hosts', a.name),
      '--shared',
      a.site === 'main' ? path.join(dataDir, 'shared') : path.join(dataDir, 'sites', a.site, 'shared'),
      '--dashboard',
      url,
    ];
    if (a.site !== 'main') args.push('--site', a.site);
    if (setup.tokens[a.name]) args.push('--enroll-token', setup.tokens[a.name]);
    if (opt.driver !== 'auto') args.push('--driver', opt.driver!);
    // The seed below imports the test guest (or the simulated image) from these directories.
    args.push('--import-dir', `${path.join(root, '.cache/guest')},${path.join(dataDir, 'simulated-image')}`);
    spawn(a.name, process.execPath, nodeTs('lib/agent/main.ts', args), env);
  }
  const hosts = await waitFor(
    'the agents to enroll and report',
    async () => {
      const out = JSON.parse(await tsx('scripts/stack/status.ts')) as { online: string[]; drivers: string[] };
      return out.online.length === agents.length ? out : null;
    },
    120_000,
    1000,
  );
  const simulated = hosts.drivers.includes('simulated');
  const imageDir = simulated
    ? writeSimulatedImage(path.join(dataDir, 'simulated-image'))
    : path.join(root, '.cache/guest');
  say(`image repository seed: ${await tsx('scripts/stack/seed-image.ts', [imageDir])}`.trim());
  started = true;

  const password = existsSync(pwFile) ? readFileSync(pwFile, 'utf8').trim() : null;
  console.log(
    [
      '',
      `  vmops is running at ${url}`,
      `  sign in as admin / ${password ?? '(the first-run password; reset it with: npm run user -- reset-password admin)'}`,
      password ? `  (first-run password, also in ${pwFile}; delete that file once you have changed it)` : '',
      `  hosts: ${agents.map((a) => `${a.name} (127.0.0.1:${a.port}${a.site === 'main' ? '' : `, site ${a.site}`})`).join(', ')}   driver: ${hosts.drivers.join(', ')}`,
      simulated
        ? '  SIMULATED DRIVER: VMs are not real (no QEMU on this machine, or --driver simulated). For real QEMU: apt-get install -y qemu-system-x86 qemu-utils'
        : '',
      `  logs: ${logDir} (a process that dies is restarted)   stop: Ctrl-C (${opt.fresh ? "a --fresh stack's VMs are stopped with it" : 'VMs keep running; agents re-attach on the next start'})`,
      '',
    ]
      .filter((l, i, all) => l || all[i - 1])
      .join('\n'),
  );
}

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    stopping = true; // children exiting now is the plan: no restart, no failure
    say('stopping dashboard, worker and agents');
    void stopAll(children).then(() => {
      // A throwaway stack's VMs go with it (a failed browser test must not leave guests burning CPU).
      if (opt.fresh) killQemuUnder(dataDir);
      localPg?.stop();
      process.exit(0);
    });
  });

await main().catch(fail);
