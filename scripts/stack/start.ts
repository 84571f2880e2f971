// Starts the whole product locally: migrated SQLite, first admin, dashboard (next start),
// worker, and local host agents (h1, h2: own data dirs, one shared dir), enrolled with one-time
// tokens; seeds the test-guest image. Used by `npm start` and by the browser tests.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { killQemuUnder, runToEnd, startChild, stopChildren, waitFor, type Child } from './processes';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    data: { type: 'string', default: process.env.VMOPS_DATA_DIR ?? 'data' },
    agents: { type: 'string', default: 'h1:7101,h2:7102' },
    driver: { type: 'string', default: process.env.VMOPS_DRIVER ?? 'auto' },
    fresh: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const root = path.resolve(import.meta.dirname, '../..');
process.chdir(root); // tsx resolves the `@/` alias from ./tsconfig.json
const dataDir = path.resolve(process.env.INIT_CWD ?? '.', opt.data!);
if (opt.fresh) {
  // QEMU processes outlive their agents by design; a fresh start must not leave them orphaned.
  killQemuUnder(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}
mkdirSync(dataDir, { recursive: true });
const logDir = path.join(dataDir, 'logs');
const url = `http://127.0.0.1:${opt.port}`;
const secretFile = path.join(dataDir, 'nextauth-secret');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });

const env: NodeJS.ProcessEnv = {
  ...process.env,
  VMOPS_DATA_DIR: dataDir,
  DATABASE_URL: `file:${path.join(dataDir, 'vmops.db')}`,
  NEXTAUTH_URL: url,
  NEXTAUTH_SECRET: readFileSync(secretFile, 'utf8').trim(),
};
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
// TypeScript processes run as `node --import tsx` rather than through the tsx CLI, whose wrapper
// process would be the one signalled on shutdown and could leave the real process orphaned.
const nodeTs = (script: string, args: string[] = []) => ['--conditions=react-server', '--import', 'tsx', path.join(root, script), ...args];
const tsx = (script: string, args: string[] = []) => runToEnd(process.execPath, nodeTs(script, args), env);
const say = (msg: string) => console.log(`vmops: ${msg}`);

const agents = opt.agents!.split(',').map((a) => {
  const [name, port] = a.split(':');
  return { name, port: Number(port) };
});

say(`database ${env.DATABASE_URL}`);
await runToEnd(bin('prisma'), ['migrate', 'deploy'], env);
const setup = JSON.parse(await tsx('scripts/stack/setup.ts', agents.map((a) => a.name))) as { adminCreated: boolean; adminPassword?: string; tokens: Record<string, string> };
const pwFile = path.join(dataDir, 'initial-admin-password');
if (setup.adminPassword) writeFileSync(pwFile, setup.adminPassword, { mode: 0o600 });

const children: Child[] = [];
const shutdown = async (code: number) => {
  say('stopping dashboard, worker and agents (VMs keep running; agents re-attach on next start)');
  await stopChildren(children);
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const common = { env, logDir, quiet: opt.quiet };
children.push(startChild('web', bin('next'), ['start', '-H', '127.0.0.1', '-p', opt.port!], common));
children.push(startChild('worker', process.execPath, nodeTs('lib/worker/main.ts'), common));
await waitFor('the dashboard', async () => (await fetch(`${url}/api/health`)).ok, 60_000);
const sharedDir = path.join(dataDir, 'shared');
for (const a of agents) {
  const args = ['--name', a.name, '--port', String(a.port), '--data', path.join(dataDir, 'hosts', a.name), '--shared', sharedDir, '--dashboard', url];
  if (setup.tokens[a.name]) args.push('--enroll-token', setup.tokens[a.name]);
  if (opt.driver !== 'auto') args.push('--driver', opt.driver!);
  children.push(startChild(a.name, process.execPath, nodeTs('lib/agent/main.ts', args), common));
}
for (const c of children) c.proc.on('exit', (code, signal) => say(`${c.name} exited (${signal ?? `code ${code}`}); see ${logDir}/${c.name}.log`));

const hosts = await waitFor('the agents to enroll and report', async () => {
  const out = JSON.parse(await tsx('scripts/stack/status.ts')) as { online: string[]; drivers: string[] };
  return out.online.length === agents.length ? out : null;
}, 120_000, 1000);
const simulated = hosts.drivers.includes('simulated');
const imageDir = simulated ? writeSimulatedImage(path.join(dataDir, 'simulated-image')) : path.join(root, '.cache/guest');
say(`image repository seed: ${JSON.stringify(JSON.parse(await tsx('scripts/stack/seed-image.ts', [imageDir])))}`);

// Without QEMU there is no guest to build; a blank disk lets the simulated driver provision.
function writeSimulatedImage(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const disk = path.join(dir, 'disk.raw');
  writeFileSync(disk, '');
  truncateSync(disk, 64 * 1024 * 1024);
  const manifest = { name: 'tiny-linux', version: '1.0', description: 'SIMULATED: a blank 64 MiB disk standing in for the test guest (no QEMU here)', disk: 'disk.raw' };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const password = existsSync(pwFile) ? readFileSync(pwFile, 'utf8').trim() : null;
console.log(`
  vmops is running at ${url}
  sign in as admin / ${password ?? '(the password printed at first run; reset with npm run user -- reset-password admin)'}
  ${password ? `(first-run password, also in ${pwFile}; delete that file once you have changed it)` : ''}
  hosts: ${agents.map((a) => `${a.name} (127.0.0.1:${a.port})`).join(', ')}  driver: ${hosts.drivers.join(', ')}
  ${simulated ? 'SIMULATED DRIVER: QEMU is not installed, VMs are not real. Install it with: apt-get install -y qemu-system-x86 qemu-utils' : ''}
  logs: ${logDir}   stop: Ctrl-C
`);
