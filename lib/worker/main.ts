// Worker process: runs queued tasks against the host agents and does periodic housekeeping
// (offline hosts, metric rollups). Several workers may share one database: tasks are claimed
// with a lease, and a task whose worker died is picked up and cleaned up by another.
import { hostname } from 'node:os';
import { sealLegacyHostSecrets } from '@/lib/domain/hosts/credentials';
import { rollupMetricsOnce } from '@/lib/domain/metrics/rollup';
import { errorMessage } from '@/lib/errors';
import { sampleAllRepositories } from '@/lib/domain/backups/repository-check';
import { haTick } from '@/lib/domain/ha/monitor';
import { queueDueLinkProbes } from '@/lib/domain/migrations/links';
import { balancerTick } from './balancer-scheduler';
import { scheduleBackups } from './backup-scheduler';
import { scheduleReplication } from './replication-scheduler';
import { scheduleSnapshots } from './snapshot-scheduler';
import { markOfflineHosts } from './housekeeping';
import { runTasks } from './runner';
import { SCHEDULER_TICK_MS } from '@/lib/domain/dr/rpo-schedule';

const workerId = `${hostname()}:${process.pid}`;
const log = (msg: string) => console.log(`${new Date().toISOString()} vmops:worker ${msg}`);
let stopping = false;

function every(ms: number, what: string, fn: () => Promise<unknown>): NodeJS.Timeout {
  return setInterval(() => void fn().catch((err) => log(`${what} failed: ${errorMessage(err)}`)), ms);
}

const timers = [
  every(5_000, 'offline check', markOfflineHosts),
  every(60_000, 'metric rollup', () => rollupMetricsOnce()),
  every(15_000, 'balancer check', () => balancerTick(log)),
  every(15_000, 'backup schedule', () => scheduleBackups(log)),
  every(15_000, 'snapshot schedule', () => scheduleSnapshots(log)),
  // Replication intervals start at 15 s: a 2 s tick keeps a run within 2 s of its time.
  every(SCHEDULER_TICK_MS, 'replication schedule', () => scheduleReplication(log)),
  every(5 * 60_000, 'repository usage sample', sampleAllRepositories),
  // Hosts that joined (or were measured a day ago) get their link probe: the migration estimate's basis.
  every(15_000, 'link probes', () => queueDueLinkProbes().then((n) => n && log(`queued ${n} link probe(s)`))),
  // HA: host states, failed hosts' restarts (one manager among workers; a slow tick makes the next skip).
  every(1_000, 'HA tick', () => haTick({ managerId: workerId, log })),
];

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    log(`${sig}: finishing running tasks`);
    stopping = true;
    timers.forEach(clearInterval);
  });

log(`started as ${workerId}`);
// Plain agent secrets left by an older version are sealed now rather than at each host's next call.
await sealLegacyHostSecrets().then(
  (n) => n && log(`sealed ${n} plain agent secret(s) from an older version`),
  (err) => log(`sealing plain agent secrets failed: ${errorMessage(err)}`),
);
// An idle look for work is two small indexed reads: every 100 ms keeps a click's task waiting
// 50 ms on average (500 ms made it 250).
await runTasks(
  { workerId, concurrency: Number(process.env.VMOPS_WORKER_CONCURRENCY ?? 4), pollMs: 100, log },
  () => stopping,
);
log('stopped');
process.exit(0);
