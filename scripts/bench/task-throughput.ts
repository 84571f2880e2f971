// Task throughput with 1, 2 and 4 worker processes (lib/worker/main.ts, concurrency 4 each) on
// one database, on each engine. The tasks are the product's own: VMs stopped and started through
// the service layer (as POST /api/vms/:id/actions does), run against four agents on the simulated
// driver (no VM is real; a guest stop takes it 200 ms, so a task waits on agent I/O as it would on
// QEMU) with their DB writes, steps and audit. Per worker count: V stops, then V starts, each
// queued while the workers idle; throughput from the first claim to the last finish. Every task
// must have run exactly once: attempts 1, one "started" and one "succeeded" line in all workers'
// logs together, one Done step.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { db } from '@/lib/db/client';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { createVm, runVmAction } from '@/lib/domain/vms/service';
import { createVmSchema } from '@/lib/domain/vms/schemas';
import type { VmAction } from '@/lib/domain/vms/dto';
import { parseInput } from '@/lib/http/validation';
import { startCluster, type Cluster } from '@/lib/testing/cluster';
import { type ControlProcess, startWorkerProcess } from '@/lib/testing/control-plane';
import { admin, seedUsers } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import { startLocalPg } from '@/scripts/db/pg-local';
import type { BenchRow } from './types';

const VMS = 100; // 200 tasks per worker count (stops + starts): the bench stays near 5 minutes
const WORKER_COUNTS = [1, 2, 4];
const LEASE_MS = 30_000; // production's: no lease runs out in a healthy run
const CONCURRENCY = 4; // each worker's tasks at once (VMOPS_WORKER_CONCURRENCY, the default)
const QUEUE_PARALLEL = 8; // requests queuing at once, as several users' clicks would

type Phase = {
  tasks: number;
  seconds: number;
  perWorker: number[];
  busySlots: number; // the share of the workers' task slots that held a task over the window
  cpuMsPerTask: number; // the worker processes' CPU (user + system) per task
  agentCpuMsPerTask: number; // this process's: the four agents, the mini-dashboard, heartbeats
  load: number; // the machine's 1-minute load average at the end (it is shared)
  wrong: string[];
};

// CPU time of a process so far, in ms (utime + stime: fields 14 and 15 of /proc/<pid>/stat, in
// ticks of 10 ms; the command name in field 2 may hold spaces, so count after its ')').
const isEnd = (line: string) => /: (succeeded|failed: .*)$/.test(line);
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

// Settled = succeeded, failed or cancelled: a count of the rest reaching 0 is the end of a phase.
const unsettled = (ids: string[]) =>
  db().task.count({ where: { id: { in: ids }, state: { in: [TASK_STATE.queued, TASK_STATE.running] } } });

async function queueAll<T>(items: T[], fn: (item: T) => Promise<string>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += QUEUE_PARALLEL)
    out.push(...(await Promise.all(items.slice(i, i + QUEUE_PARALLEL).map(fn))));
  return out;
}

// The tasks are queued while the (idle) workers are paused with SIGSTOP, then all released at once:
// the window measures the workers draining a full queue, not how fast this process queues.
async function phase(vmIds: string[], action: VmAction, workers: ControlProcess[]): Promise<Phase> {
  // A heartbeat the agent sampled just before a task ended can still flip its VM back for a beat
  // (a task no longer owns it): the actions are queued once the list shows every VM settled.
  const from = action === 'stop' ? 'running' : 'stopped';
  const unlike = () => db().vm.count({ where: { id: { in: vmIds }, state: { not: from } } });
  await waitFor(`every VM ${from}`, async () => (await unlike()) === 0, 15_000, 250);
  const logFrom = workers.map((w) => w.lines.length);
  for (const w of workers) w.child.kill('SIGSTOP');
  const cpuFrom = workers.map((w) => cpuMs(w.child.pid!));
  const ownFrom = process.cpuUsage();
  const ids = await queueAll(vmIds, async (id) => (await runVmAction(admin, id, action)).taskId).finally(() => {
    for (const w of workers) w.child.kill('SIGCONT');
  });
  await waitFor(`${VMS} vm.${action} tasks`, async () => (await unsettled(ids)) === 0, 300_000, 250);
  const own = process.cpuUsage(ownFrom);
  // A worker logs a task's end just after writing it: its last lines may still be in the pipe.
  const ended = () => workers.reduce((sum, w, i) => sum + w.lines.slice(logFrom[i]).filter(isEnd).length, 0);
  await waitFor("the workers' last log lines", () => ended() >= ids.length, 10_000, 50).catch(() => null);
  const rows = await db().task.findMany({
    where: { id: { in: ids } },
    select: { id: true, state: true, attempts: true, startedAt: true, finishedAt: true, errorMessage: true },
  });
  const first = Math.min(...rows.map((r) => r.startedAt!.getTime()));
  const last = Math.max(...rows.map((r) => r.finishedAt!.getTime()));
  const logs = workers.map((w, i) => w.lines.slice(logFrom[i]));
  const count = (re: RegExp) => {
    const n = new Map<string, number>();
    for (const l of logs.flat()) {
      const id = re.exec(l)?.[1];
      if (id) n.set(id, (n.get(id) ?? 0) + 1);
    }
    return n;
  };
  const started = count(/task (\S+) \S+: started$/);
  const succeeded = count(/task (\S+) \S+: succeeded$/);
  const done = await db().taskStep.groupBy({
    by: ['taskId'],
    where: { taskId: { in: ids }, message: 'Done' },
    _count: true,
  });
  const doneOf = new Map(done.map((d) => [d.taskId, d._count]));
  const wrong = rows.flatMap((r) =>
    r.state === TASK_STATE.succeeded &&
    r.attempts === 1 &&
    started.get(r.id) === 1 &&
    succeeded.get(r.id) === 1 &&
    doneOf.get(r.id) === 1
      ? []
      : [
          `${r.id}: ${r.state}, attempts ${r.attempts}, started ${started.get(r.id) ?? 0}x, succeeded ${succeeded.get(r.id) ?? 0}x, done ${doneOf.get(r.id) ?? 0}x ${r.errorMessage ?? ''}`,
        ],
  );
  const perWorker = logs.map((ls) => ls.filter((l) => l.endsWith(': succeeded')).length);
  const cpu = workers.reduce((sum, w, i) => sum + cpuMs(w.child.pid!) - cpuFrom[i], 0);
  const held = rows.reduce((sum, r) => sum + r.finishedAt!.getTime() - r.startedAt!.getTime(), 0);
  return {
    tasks: ids.length,
    seconds: (last - first) / 1000,
    perWorker,
    busySlots: held / ((last - first) * workers.length * CONCURRENCY),
    cpuMsPerTask: cpu / ids.length,
    agentCpuMsPerTask: (own.user + own.system) / 1000 / ids.length,
    load: os.loadavg()[0],
    wrong,
  };
}

async function runWorkers(vmIds: string[], n: number): Promise<Phase[]> {
  const workers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startWorkerProcess(`bench-worker-${n}-${i}`, LEASE_MS, { VMOPS_WORKER_CONCURRENCY: String(CONCURRENCY) }),
    ),
  );
  try {
    return [await phase(vmIds, 'stop', workers), await phase(vmIds, 'start', workers)];
  } finally {
    for (const w of workers) w.kill();
  }
}

async function runEngine(name: string): Promise<BenchRow[]> {
  const testDb = createTestDb();
  let c: Cluster | null = null;
  try {
    await seedUsers();
    c = await startCluster(['tp1', 'tp2', 'tp3', 'tp4'], { driver: 'simulated', workerConcurrency: 8 });
    const imageId = await c.importGuest();
    const hosts = c.hosts;
    // The VMs, created through the service and provisioned by the cluster's in-process worker.
    const creates = await queueAll(
      Array.from({ length: VMS }, (_, i) => i),
      async (i) =>
        (
          await createVm(
            admin,
            parseInput(createVmSchema, {
              name: `tp-vm-${i}`,
              imageId,
              hostId: hosts[i % hosts.length].hostId,
              vcpus: 1,
              memoryMiB: 96,
              diskSizeGiB: 0.0625,
            }),
          )
        ).taskId,
    );
    await waitFor(`${VMS} VMs created`, async () => (await unsettled(creates)) === 0, 300_000, 250);
    const notRunning = await db().vm.count({ where: { state: { not: 'running' } } });
    if (notRunning) throw new Error(`${notRunning} of ${VMS} VMs did not come up running`);
    await c.pauseWorker(); // from here on only the measured worker processes run tasks
    const vmIds = (await db().vm.findMany({ select: { id: true }, orderBy: { name: 'asc' } })).map((v) => v.id);
    const rates = new Map<number, Phase[]>();
    for (const n of WORKER_COUNTS) rates.set(n, await runWorkers(vmIds, n));
    return rowsOf(name, rates);
  } finally {
    await c?.close();
    await db().$disconnect();
    testDb.cleanup();
  }
}

const rate = (ps: Phase[]) => ps.reduce((s, p) => s + p.tasks, 0) / ps.reduce((s, p) => s + p.seconds, 0);

function rowsOf(engine: string, rates: Map<number, Phase[]>): BenchRow[] {
  const one = rate(rates.get(1)!);
  const rows = WORKER_COUNTS.map((n) => {
    const [stop, start] = rates.get(n)!;
    const r = rate(rates.get(n)!);
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    return {
      what: `${engine}, ${n} worker${n > 1 ? 's' : ''} (${CONCURRENCY} tasks at once each): ${VMS} VM stops + ${VMS} starts, tasks/s from first claim to last finish`,
      value:
        `${r.toFixed(1)}/s (stops ${(stop.tasks / stop.seconds).toFixed(1)}/s, starts ${(start.tasks / start.seconds).toFixed(1)}/s; ` +
        `tasks per worker ${stop.perWorker.map((x, i) => x + start.perWorker[i]).join(' / ')}; ` +
        `task slots busy ${pct(stop.busySlots)} / ${pct(start.busySlots)}; ` +
        `CPU per task ${stop.cpuMsPerTask.toFixed(0)} / ${start.cpuMsPerTask.toFixed(0)} ms in the workers, ` +
        `${stop.agentCpuMsPerTask.toFixed(0)} / ${start.agentCpuMsPerTask.toFixed(0)} ms in the agents' process; load ${start.load.toFixed(1)})`,
      yardstick: n === 1 ? '-' : '1 worker',
      ratio: n === 1 ? '-' : (r / one).toFixed(2),
    };
  });
  const all = [...rates.values()].flat();
  const wrong = all.flatMap((p) => p.wrong);
  rows.push({
    what: `${engine}: tasks that ran exactly once (attempts 1, started and succeeded once across the workers' logs, one Done step)`,
    value: `${all.reduce((s, p) => s + p.tasks, 0) - wrong.length} of ${all.reduce((s, p) => s + p.tasks, 0)}${wrong.length ? `; first wrong: ${wrong[0]}` : ''}`,
    yardstick: 'all',
    ratio: (1 - wrong.length / all.reduce((s, p) => s + p.tasks, 0)).toFixed(2),
  });
  // A claim that serialized the workers would leave their slots idle while tasks wait queued; slots
  // held most of the window while the rate stays flat put the limit in the tasks themselves.
  const busy = all.map((p) => p.busySlots);
  const cpu = WORKER_COUNTS.map((n) => {
    const ps = rates.get(n)!;
    return (
      ps.reduce((s, p) => s + (p.cpuMsPerTask + p.agentCpuMsPerTask) * p.tasks, 0) / ps.reduce((s, p) => s + p.tasks, 0)
    );
  });
  rows.push({
    what: `${engine}: what limits the rate (task slots held over the window; CPU per task, workers + agents' process, at ${WORKER_COUNTS.join(' / ')} workers)`,
    value:
      `slots held ${(Math.min(...busy) * 100).toFixed(0)}-${(Math.max(...busy) * 100).toFixed(0)}%; ` +
      `${cpu.map((c) => c.toFixed(0)).join(' / ')} ms; load ${Math.max(...all.map((p) => p.load)).toFixed(1)} at most on ${os.cpus().length} cores: ` +
      (Math.min(...busy) >= 0.65
        ? `the claims keep the slots full; each task takes longer as workers are added${Math.max(...all.map((p) => p.load)) > os.cpus().length ? ' (waiting for CPU: load above the core count)' : ''}`
        : 'slots left idle with tasks queued: the claim (or the poll) lags'),
    yardstick: '-',
    ratio: '-',
  });
  return rows;
}

export async function taskThroughputBench(): Promise<BenchRow[]> {
  const rows = await runEngine('SQLite');
  const pg = startLocalPg(path.resolve(import.meta.dirname, '../../.cache/bench-tasks/pg'), 55498);
  process.env.VMOPS_TEST_PG = pg.url('postgres');
  try {
    rows.push(...(await runEngine('PostgreSQL')));
  } finally {
    delete process.env.VMOPS_TEST_PG;
    pg.stop();
  }
  return rows;
}
