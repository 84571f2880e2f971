// `npm run fleet -- --hosts 2500 --vms 40000 [--url http://127.0.0.1:3000] [--sites main,dr]
// [--interval 5] [--port-base 20000] [--data .cache/fleet] [--verbose]`: simulated agents in
// this process against a running dashboard (docs/FLEET.md). Enrollment tokens and VM rows are
// written to the dashboard's database (DATABASE_URL, as `npm start` uses); Ctrl-C stops.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@/lib/agent/log';
import { SIMULATED_BANNER } from '@/lib/agent/driver/simulated';
import { db } from '@/lib/db/client';
import { agentNameSchema } from '@/lib/agent-protocol/core';
import { startFleet } from './fleet';

const USAGE =
  'usage: npm run fleet -- --hosts 2500 --vms 40000 [--url http://127.0.0.1:3000] [--sites main,dr] ' +
  '[--interval 5 (seconds)] [--port-base 20000] [--data .cache/fleet] [--concurrency 8] [--verbose]';

const { values: a } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10' },
    vms: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    sites: { type: 'string', default: 'main' },
    site: { type: 'string' },
    interval: { type: 'string', default: '5' },
    'port-base': { type: 'string', default: '20000' },
    data: { type: 'string', default: '.cache/fleet' },
    concurrency: { type: 'string', default: '8' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const int = (v: string, min: number, what: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${what} must be an integer >= ${min}`);
  return n;
};
function fail(msg: string): never {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}
if (a.help) fail('');
const hosts = int(a.hosts, 1, 'hosts');
const portBase = int(a['port-base'], 1024, 'port-base');
if (portBase + hosts > 65536) fail('--port-base + --hosts must stay below 65536');
const sites = (a.site ?? a.sites).split(',').map((s) => s.trim());
if (!sites.every((s) => agentNameSchema.safeParse(s).success)) fail('--sites: lowercase letters, digits and -');
process.env.DATABASE_URL ??= `file:${path.resolve(process.env.VMOPS_DATA_DIR ?? 'data', 'vmops.db')}`;

const log = createLogger('vmops:fleet');
const quiet = createLogger('', () => {});
const fleet = startFleet({
  url: a.url,
  hosts,
  vms: a.vms === undefined ? hosts * 16 : int(a.vms, 0, 'vms'),
  sites,
  intervalMs: Math.round(Number(a.interval) * 1000) || fail('--interval: seconds'),
  portBase,
  dataDir: path.resolve(a.data),
  concurrency: int(a.concurrency, 1, 'concurrency'),
  log,
  hostLog: (name) => (a.verbose ? createLogger(`vmops:fleet:${name}`) : quiet),
});
log(SIMULATED_BANNER.replace('SIMULATED DRIVER', `SIMULATED FLEET of ${hosts} hosts`));
log(
  `dashboard ${a.url}, database ${process.env.DATABASE_URL}, agents on 127.0.0.1:${portBase}-${portBase + hosts - 1}`,
);
const every = setInterval(() => log(fleet.stats.summary(hosts)), 10_000);
let stopping = false;
const stop = async (why: string, code: number) => {
  if (stopping) return;
  stopping = true;
  clearInterval(every);
  log(`${why}: stopping ${fleet.hosts.length} simulated hosts`);
  await fleet.close();
  await db().$disconnect();
  process.exit(code);
};
process.on('SIGINT', () => void stop('SIGINT', 0));
process.on('SIGTERM', () => void stop('SIGTERM', 0));
fleet.started.catch((err: Error) => {
  if (stopping) return; // enrollments aborted by Ctrl-C
  log(`fatal: ${err.message}`);
  void stop('start failed', 1);
});
