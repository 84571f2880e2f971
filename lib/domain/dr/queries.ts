import 'server-only';
import { db } from '@/lib/db/client';
import { byDate, inChunks } from '@/lib/db/in-chunks';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { tryParseTaskPayload } from '@/lib/domain/tasks/kinds';
import { noSuchObject } from '@/lib/errors';
import type { Prisma, ReplicaPoint, ReplicationRun } from '@/lib/generated/prisma/client';
import type {
  DrJobDetailDto,
  DrJobDto,
  DrOverviewDto,
  DrTestVmDto,
  ReplicaPointDto,
  ReplicationRunDto,
  VmDrState,
  VmRole,
} from './dto';
import { reverseTotals, toFailbackDto, type ReverseTotals } from './failback-queries';
import { lagByJob } from './lag';
import { RECENT_RUNS } from './rpo-schedule';
import { drStatus } from './status';

// What the DR screens read: jobs with their VMs, points, runs, dr-test copies and RPO status
// (status.ts), the sites and the lag series.

const jobInclude = {
  points: { orderBy: { takenAt: 'desc' } },
  runs: { orderBy: { startedAt: 'desc' }, take: 5 },
} satisfies Prisma.ReplicationJobInclude;
type JobRow = Prisma.ReplicationJobGetPayload<{ include: typeof jobInclude }>;
const vmInclude = { host: { select: { id: true, name: true, site: true, status: true, lastHeartbeat: true } } };
type VmRow = Prisma.VmGetPayload<{ include: typeof vmInclude }>;

export const DR_TASK_TARGET = 'dr-job'; // run, failover and test failover tasks target their job

// Start -> commit of this job's newest succeeded runs of one direction (the RPO schedule's margin).
export async function recentDurationsMs(jobId: string, direction: 'forward' | 'reverse'): Promise<number[]> {
  const runs = await db().replicationRun.findMany({
    where: { jobId, direction, status: 'succeeded', durationMs: { not: null } },
    orderBy: { startedAt: 'desc' },
    take: RECENT_RUNS,
    select: { durationMs: true },
  });
  return runs.map((r) => r.durationMs!);
}

export function toRunDto(r: ReplicationRun): ReplicationRunDto {
  return {
    id: r.id,
    taskId: r.taskId,
    status: r.status as ReplicationRunDto['status'],
    direction: r.direction as ReplicationRunDto['direction'],
    pointId: r.pointId,
    kind: r.kind as ReplicationRunDto['kind'],
    fullReason: r.fullReason,
    bytesSent: Number(r.bytesSent),
    bytesPulled: Number(r.bytesPulled),
    durationMs: r.durationMs,
    error: r.error,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

function toPointDto(p: ReplicaPoint, tests: DrTestVmDto[]): ReplicaPointDto {
  return {
    id: p.id,
    takenAt: p.takenAt.toISOString(),
    kind: p.kind as ReplicaPointDto['kind'],
    fullReason: p.fullReason,
    bytesSent: Number(p.bytesSent),
    layerBytes: Number(p.layerBytes),
    testVmIds: tests.filter((t) => t.pointId === p.id).map((t) => t.vmId),
  };
}

const endpoint = (v: VmRow) => ({
  hostId: v.host.id,
  hostName: v.host.name,
  site: v.host.site,
  hostStatus: effectiveStatus(v.host),
});

type Related = {
  vms: Map<string, VmRow>;
  reverse: ReverseTotals; // by job id, since its failover
  tests: Map<string, DrTestVmDto[]>; // by replica id
  activeTasks: Map<string, { id: string; kind: string }>; // by job id; another DR task before a run
};

async function related(jobs: JobRow[]): Promise<Related> {
  const jobIds = jobs.map((j) => j.id);
  const replicaIds = jobs.map((j) => j.replicaVmId);
  const vmRows = [
    ...(await inChunks([...jobs.map((j) => j.vmId), ...replicaIds], (chunk) =>
      db().vm.findMany({ where: { id: { in: chunk } }, include: vmInclude }),
    )),
    ...(await inChunks(replicaIds, (chunk) =>
      db().vm.findMany({ where: { role: 'dr-test', replicaOfId: { in: chunk } }, include: vmInclude }),
    )),
  ].sort(byDate((v) => v.createdAt));
  const tasks = await inChunks(
    jobIds,
    (chunk) =>
      db().task.findMany({
        where: { targetType: DR_TASK_TARGET, targetId: { in: chunk } },
        select: { id: true, kind: true, state: true, targetId: true, payload: true, createdAt: true },
      }),
    byDate((t) => t.createdAt),
  );
  const pointOf = new Map<string, string>(); // dr-test VM id -> the point it was started from
  const activeTasks = new Map<string, { id: string; kind: string }>();
  for (const t of tasks) {
    if (t.kind === 'dr.test-failover') {
      const p = tryParseTaskPayload('dr.test-failover', t.payload);
      if (p.ok) pointOf.set(p.payload.vmId, p.payload.pointId);
    }
    const active = t.state === TASK_STATE.queued || t.state === TASK_STATE.running;
    // A failover queued behind a run matters more to the page: the run only delays it.
    const held = t.targetId ? activeTasks.get(t.targetId) : undefined;
    if (active && t.targetId && (!held || (held.kind === 'replication.run' && t.kind !== held.kind)))
      activeTasks.set(t.targetId, { id: t.id, kind: t.kind });
  }
  const tests = new Map<string, DrTestVmDto[]>();
  for (const v of vmRows.filter((r) => r.role === 'dr-test' && r.replicaOfId)) {
    const list = tests.get(v.replicaOfId!) ?? [];
    list.push({
      vmId: v.id,
      name: v.name,
      state: v.state,
      hostId: v.hostId,
      pointId: pointOf.get(v.id) ?? null,
      createdAt: v.createdAt.toISOString(),
    });
    tests.set(v.replicaOfId!, list);
  }
  return { vms: new Map(vmRows.map((v) => [v.id, v])), tests, activeTasks, reverse: await reverseTotals(jobs) };
}

function toJobDto(j: JobRow, rel: Related, now: Date): DrJobDto | null {
  const vm = rel.vms.get(j.vmId);
  const replica = rel.vms.get(j.replicaVmId);
  if (!vm || !replica) return null; // rows removed under us: the job goes with them
  const tests = rel.tests.get(j.replicaVmId) ?? [];
  const points = j.points.map((p) => toPointDto(p, tests));
  const lastRun = j.runs[0] ?? null;
  const lastFinished = j.runs.find((r) => r.status !== 'running') ?? null;
  const verdict = drStatus(
    {
      enabled: j.enabled,
      state: j.state,
      lastFinishedRun: lastFinished,
      newestTakenAt: j.points[0]?.takenAt ?? null,
      rpoTargetSec: j.rpoTargetSec,
    },
    now,
  );
  return {
    id: j.id,
    vm: { id: vm.id, name: vm.name, state: vm.state, drState: vm.drState as VmDrState, ...endpoint(vm) },
    replica: {
      id: replica.id,
      name: replica.name,
      state: replica.state,
      role: replica.role as VmRole,
      ...endpoint(replica),
    },
    intervalSec: j.intervalSec,
    keepPoints: j.keepPoints,
    rpoTargetSec: j.rpoTargetSec,
    enabled: j.enabled,
    state: j.state as DrJobDto['state'],
    fullRequested: j.fullRequested,
    failback: toFailbackDto(j, Number(vm.diskSizeBytes), rel.reverse.get(j.id)),
    status: verdict.status,
    statusReason: verdict.reason,
    rpoSec: verdict.rpoSec,
    newestPoint: points[0] ?? null,
    points,
    lastRun: lastRun && toRunDto(lastRun),
    running: lastRun?.status === 'running',
    activeTaskId: rel.activeTasks.get(j.id)?.id ?? null,
    activeTaskKind: rel.activeTasks.get(j.id)?.kind ?? null,
    tests,
    nextRunAt: j.nextRunAt?.toISOString() ?? null,
    lastRunAt: j.lastRunAt?.toISOString() ?? null,
    lastSuccessAt: j.lastSuccessAt?.toISOString() ?? null,
    lastError: j.lastError,
    createdBy: j.createdBy,
    createdAt: j.createdAt.toISOString(),
  };
}

async function jobDtos(where: Prisma.ReplicationJobWhereInput, now = new Date()): Promise<DrJobDto[]> {
  const rows = await db().replicationJob.findMany({ where, include: jobInclude, orderBy: { createdAt: 'asc' } });
  const rel = await related(rows);
  return rows.flatMap((j) => toJobDto(j, rel, now) ?? []);
}

// vmId: the job protecting that VM, or whose replica or dr-test copy it is (the VM page's card).
export async function listJobs(filter: { vmId?: string } = {}): Promise<DrJobDto[]> {
  if (!filter.vmId) return jobDtos({});
  const vm = await db().vm.findUnique({ where: { id: filter.vmId }, select: { role: true, replicaOfId: true } });
  const id = vm?.role === 'dr-test' && vm.replicaOfId ? vm.replicaOfId : filter.vmId;
  return jobDtos({ OR: [{ vmId: id }, { replicaVmId: id }] });
}

export async function getJob(jobId: string, windowSec = 3600): Promise<DrJobDetailDto> {
  const now = new Date();
  const [job] = await jobDtos({ id: jobId }, now);
  if (!job) throw noSuchObject('replication job', jobId);
  const runs = await db().replicationRun.findMany({ where: { jobId }, orderBy: { startedAt: 'desc' }, take: 50 });
  const lag = await lagByJob([jobId], new Date(now.getTime() - windowSec * 1000), now);
  return { ...job, runs: runs.map(toRunDto), lag: lag.get(jobId) ?? [] };
}

export async function drOverview(windowSec = 3600): Promise<DrOverviewDto> {
  const now = new Date();
  const hosts = await db().host.findMany({ include: { _count: { select: { vms: true } } }, orderBy: { name: 'asc' } });
  const bySite = new Map<string, DrOverviewDto['sites'][number]['hosts']>();
  for (const h of hosts) {
    const list = bySite.get(h.site) ?? [];
    list.push({
      id: h.id,
      name: h.name,
      status: effectiveStatus(h),
      maintenance: h.maintenance,
      driver: h.driver as 'qemu' | 'simulated',
      vmCount: h._count.vms,
    });
    bySite.set(h.site, list);
  }
  const jobs = await jobDtos({}, now);
  const lag = await lagByJob(
    jobs.map((j) => j.id),
    new Date(now.getTime() - windowSec * 1000),
    now,
  );
  return {
    generatedAt: now.toISOString(),
    windowSec,
    sites: [...bySite.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => ({ name, hosts: list })),
    jobs: jobs.map((j) => ({ ...j, lag: lag.get(j.id) ?? [] })),
  };
}
