import 'server-only';
import { randomBytes } from 'node:crypto';
import { db } from '@/lib/db/client';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import type { Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { auditRefusal } from '@/lib/domain/snapshots/checks';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { conflict, hostOffline, noSuchObject } from '@/lib/errors';
import type { Host } from '@/lib/generated/prisma/client';
import { activePlanRunFor } from './plan-queries';
import { DR_TASK_TARGET } from './queries';

// The checks the DR actions make before they change anything (docs/ARCHITECTURE.md, "Disaster
// recovery"); each refusal says why.

// Ids the agents take as VM ids and file names (vmIdSchema, replicaPointIdSchema): r- a replica,
// t- a dr-test copy.
export const newDrVmId = (prefix: 'r' | 't') => `${prefix}-${randomBytes(6).toString('hex')}`;
export const newReplicaPointId = () => `rpl-${randomBytes(6).toString('hex')}`;
export const newDrTestSuffix = () => randomBytes(2).toString('hex');
// Names stay within the agents' 63 characters (vmSpecSchema).
export const derivedName = (name: string, suffix: string) => `${name.slice(0, 63 - suffix.length)}${suffix}`;
export const vmTarget = (id: string, name?: string) => ({ type: 'vm', id, name });

export function requireOnline(host: Pick<Host, 'name' | 'status' | 'lastHeartbeat'>): void {
  if (effectiveStatus(host) === HOST_STATUS.offline) throw hostOffline(host.name, host.lastHeartbeat?.toISOString());
}

export async function jobWithVms(jobId: string) {
  const job = await db().replicationJob.findUnique({
    where: { id: jobId },
    include: { points: { orderBy: { takenAt: 'desc' } } },
  });
  if (!job) throw noSuchObject('replication job', jobId);
  const [vm, replica] = await Promise.all(
    [job.vmId, job.replicaVmId].map((id) => db().vm.findUnique({ where: { id }, include: { host: true } })),
  );
  if (!vm) throw noSuchObject('VM', job.vmId);
  if (!replica) throw noSuchObject('VM', job.replicaVmId);
  return { job, vm, replica };
}
export type JobWithVms = Awaited<ReturnType<typeof jobWithVms>>;

// A queued or running run, failover or test failover of this job (they target the job), or a
// plan run holding its VM (the plan's failovers run inside that task). exceptRuns: replication
// runs do not count (a failover waits for the run in flight: lib/worker/dr-run-wait.ts).
export async function activeDrTask(jobId: string, { exceptRuns = false } = {}) {
  const own = await db().task.findFirst({
    where: {
      targetType: DR_TASK_TARGET,
      targetId: jobId,
      state: { in: [TASK_STATE.queued, TASK_STATE.running] },
      ...(exceptRuns ? { kind: { not: 'replication.run' } } : {}),
    },
    orderBy: { createdAt: 'asc' },
    select: { id: true, kind: true, title: true },
  });
  if (own) return own;
  const job = await db().replicationJob.findUnique({ where: { id: jobId }, select: { vmId: true } });
  return job && activePlanRunFor(job.vmId);
}

export async function requireNoDrTask(jobId: string, what: string, opts: { exceptRuns?: boolean } = {}): Promise<void> {
  const busy = await activeDrTask(jobId, opts);
  if (busy) throw conflict(`${what}: the job is busy with "${busy.title}"; wait for it to finish`, { taskId: busy.id });
}

// failingBackOk: Run now of a job failing back is a reverse run.
export function requireActive(j: JobWithVms, what: string, { failingBackOk = false } = {}): void {
  if (j.job.state === 'failed-over')
    throw conflict(`${what}: VM ${j.vm.name} already failed over to ${j.replica.name}`, { jobId: j.job.id });
  if (j.job.state === 'failing-back' && !failingBackOk)
    throw conflict(`${what}: VM ${j.vm.name} is failing back from ${j.replica.name}; complete the failback first`, {
      jobId: j.job.id,
    });
}

// The chosen point of this job, or its newest; refused when there is none yet.
export function pointOf(j: JobWithVms, pointId: string | undefined, what: string) {
  if (pointId) {
    const p = j.job.points.find((x) => x.id === pointId);
    if (!p) throw noSuchObject('replica point', pointId);
    return p;
  }
  const newest = j.job.points[0];
  if (!newest)
    throw conflict(`${what}: VM ${j.vm.name} has no replica point yet; wait for the first run`, { jobId: j.job.id });
  return newest;
}

export async function drTestVms(replicaVmId: string) {
  return db().vm.findMany({ where: { role: 'dr-test', replicaOfId: replicaVmId }, select: { id: true, name: true } });
}

// The DR actions on a job: the audit target is its VM; authorizes, then runs `fn` with refusals
// audited as denied.
export async function withJob<T>(
  user: SessionUser,
  jobId: string,
  permission: 'dr.manage' | 'dr.failover',
  action: string,
  fn: (j: JobWithVms, actor: Actor, target: ReturnType<typeof vmTarget>) => Promise<T>,
): Promise<T> {
  const job = await db().replicationJob.findUnique({ where: { id: jobId }, select: { vmId: true } });
  const vm = job && (await db().vm.findUnique({ where: { id: job.vmId }, select: { name: true } }));
  const target = vmTarget(job?.vmId ?? jobId, vm?.name);
  await authorize(user, permission, target, action);
  const actor = actorOf(user);
  return auditRefusal(actor, action, target, async () => fn(await jobWithVms(jobId), actor, target));
}
