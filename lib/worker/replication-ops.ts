import 'server-only';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { relayBootFiles } from '@/lib/agent-client/replication-boot';
import { sendResultSchema, type ReplicaState, type SendResult } from '@/lib/agent-protocol/replication';
import { db } from '@/lib/db/client';
import { newReplicaPointId, type JobWithVms } from '@/lib/domain/dr/checks';
import { recentDurationsMs } from '@/lib/domain/dr/queries';
import { rpoNextRunAt } from '@/lib/domain/dr/rpo-schedule';
import { agentFor, agentOptionsFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import { formatBytes, formatDuration } from '@/lib/format';
import type { TaskContext } from './context';

// One replication run (docs/ARCHITECTURE.md, "Disaster recovery"): define the replica on the
// target, open a receive session there, let the source send into it, commit; only then the point
// is registered. Shared by the replication.run handler and the planned failover's final sync.

export type RunOutcome = { pointId: string; result: SendResult; state: ReplicaState };

// The target's point list is the truth: rows for points it merged away go, points it has that
// the dashboard lacks (a commit whose answer was lost) come.
export function mirrorPoints(jobId: string, state: ReplicaState) {
  const keep = state.points.map((p) => p.id);
  return [
    db().replicaPoint.deleteMany({ where: { jobId, id: { notIn: keep } } }),
    ...state.points.map((p) =>
      db().replicaPoint.upsert({
        where: { id: p.id },
        create: {
          id: p.id,
          jobId,
          takenAt: new Date(p.takenAt),
          kind: p.kind,
          fullReason: p.fullReason,
          bytesSent: BigInt(Math.round(p.bytesSent)),
          layerBytes: BigInt(Math.round(p.layerBytes)),
        },
        update: { layerBytes: BigInt(Math.round(p.layerBytes)) },
      }),
    ),
  ];
}

async function defineReplica(j: JobWithVms, target: AgentClient): Promise<ReplicaState> {
  const image = j.vm.imageId ? await db().image.findUnique({ where: { id: j.vm.imageId } }) : null;
  return target.defineReplica(j.replica.id, {
    // Boot paths are the target's own copies (relayed from the source); the kernel line travels.
    spec: {
      id: j.replica.id,
      name: j.replica.name,
      vcpus: j.replica.vcpus,
      memoryMiB: j.replica.memoryMiB,
      pool: 'local',
      boot: image?.append ? { append: image.append } : {},
    },
    sourceVmId: j.vm.id,
    jobId: j.job.id,
    virtualSizeBytes: Number(j.vm.diskSizeBytes),
  });
}

// A replica without points is new (or was recreated): it gets the VM's kernel and initrd, so it
// needs nothing from site A to start. A VM without boot files boots from its disk.
async function relayBoot(ctx: TaskContext, j: JobWithVms): Promise<void> {
  try {
    const sizes = await relayBootFiles(
      await agentOptionsFor(j.vm.hostId),
      await agentOptionsFor(j.replica.hostId),
      j.vm.id,
      j.replica.id,
    );
    await ctx.step(
      `Copied the boot files to ${j.replica.host.name}: kernel ${formatBytes(sizes.kernel)}, initrd ${formatBytes(sizes.initrd)}`,
    );
  } catch (err) {
    if (!noSuchObject.is(err)) throw err;
    await ctx.step(`No boot files copied (${errorMessage(err)}): the replica boots from its disk`, 'warn');
  }
}

export async function replicate(
  ctx: TaskContext,
  j: JobWithVms,
  { progress = { from: 0, to: 1 } }: { progress?: { from: number; to: number } } = {},
): Promise<RunOutcome> {
  const pointId = newReplicaPointId();
  const at = (f: number) => ctx.progress(progress.from + (progress.to - progress.from) * f);
  const run = await db().replicationRun.create({
    data: { jobId: j.job.id, taskId: ctx.id, status: 'running', pointId },
  });
  await db().replicationJob.update({ where: { id: j.job.id }, data: { lastRunAt: run.startedAt } });
  let target: AgentClient | null = null;
  let sessionOpen = false;
  try {
    target = await agentFor(j.replica.hostId);
    const source = await agentFor(j.vm.hostId);
    const defined = await defineReplica(j, target);
    if (defined.points.length === 0) await relayBoot(ctx, j);
    const full = j.job.fullRequested || defined.points.length === 0;
    await ctx.step(
      `Receiving ${full ? 'a full copy' : 'the changes'} on ${j.replica.host.name} (site ${j.replica.host.site}) as point ${pointId}`,
    );
    sessionOpen = true; // from here an abort is due on failure (idempotent on the target)
    const session = await target.receive(j.replica.id, { pointId, full });
    await at(0.1);
    const op = await source.sendReplication(j.vm.id, {
      jobId: j.job.id,
      pointId,
      basePointId: session.basePointId,
      target: session.target,
      full,
    });
    const result = sendResultSchema.parse(await waitWithProgress(source, op.id, (f) => at(0.1 + 0.8 * f)));
    if (result.fullReason) await ctx.step(`Full copy: ${result.fullReason}`);
    const state = await target.commitReceive(j.replica.id, pointId, {
      takenAt: result.takenAt,
      kind: result.kind,
      fullReason: result.fullReason,
      bytesSent: result.bytesSent,
      keep: j.job.keepPoints,
    });
    sessionOpen = false;
    const finishedAt = new Date();
    const nextRunAt = await rpoNextRun(j.job, 'forward', new Date(result.takenAt), finishedAt);
    await db().$transaction([
      ...mirrorPoints(j.job.id, state),
      db().replicationRun.update({
        where: { id: run.id },
        data: {
          status: 'succeeded',
          kind: result.kind,
          fullReason: result.fullReason,
          bytesSent: BigInt(Math.round(result.bytesSent)),
          durationMs: finishedAt.getTime() - run.startedAt.getTime(),
          finishedAt,
        },
      }),
      db().replicationJob.update({
        where: { id: j.job.id },
        data: {
          lastSuccessAt: finishedAt,
          lastError: null,
          ...(result.kind === 'full' && { fullRequested: false }),
          ...(j.job.enabled && { nextRunAt }),
        },
      }),
    ]);
    await ctx.step(
      `Point ${pointId} (${result.kind}) as of ${result.takenAt}: ${formatBytes(result.bytesSent)} sent in ` +
        `${formatDuration(result.durationMs)}; the replica keeps ${state.points.length} point(s)`,
    );
    await at(1);
    return { pointId, result, state };
  } catch (err) {
    if (sessionOpen) await target?.abortReceive(j.replica.id, pointId).catch(() => undefined);
    await failRun(run.id, j.job.id, errorMessage(err));
    throw err;
  }
}

export async function failRun(runId: string, jobId: string, error: string): Promise<void> {
  await db().$transaction([
    db().replicationRun.update({ where: { id: runId }, data: { status: 'failed', error, finishedAt: new Date() } }),
    db().replicationJob.update({ where: { id: jobId }, data: { lastError: error } }),
  ]);
}

// The operation's result, its progress (0..1) reported in order as it goes.
export async function waitWithProgress(
  agent: AgentClient,
  opId: string,
  onProgress: (fraction: number) => Promise<void>,
): Promise<unknown> {
  let chain: Promise<unknown> = Promise.resolve();
  const done = await waitForOperation(agent, opId, (o) => void (chain = chain.then(() => onProgress(o.progress))), {
    intervalMs: 250,
    timeoutMs: 6 * 3600_000,
  });
  await chain;
  return done.result;
}

// The next run of this direction by the RPO rule (lib/domain/dr/rpo-schedule.ts), from the new
// point's instant and the recent runs' durations.
export async function rpoNextRun(
  job: { id: string; intervalSec: number },
  direction: 'forward' | 'reverse',
  takenAt: Date,
  now: Date,
): Promise<Date> {
  return rpoNextRunAt({
    takenAt,
    intervalSec: job.intervalSec,
    recentDurationsMs: await recentDurationsMs(job.id, direction),
    now,
  });
}

// A run whose worker died: its session is aborted (idempotent there: the target's receive, or for
// a reverse run the original's in-place session), the run failed.
export async function abandonRuns(ctx: TaskContext, j: JobWithVms): Promise<number> {
  const runs = await db().replicationRun.findMany({ where: { taskId: ctx.id, status: 'running' } });
  for (const r of runs) {
    const reverse = r.direction === 'reverse';
    if (r.pointId)
      await agentFor(reverse ? j.vm.hostId : j.replica.hostId)
        .then((a) => (reverse ? a.abortInPlace(j.vm.id, r.pointId!) : a.abortReceive(j.replica.id, r.pointId!)))
        .catch(() => undefined);
    await failRun(r.id, j.job.id, 'INTERRUPTED: the worker running this replication stopped; nothing was registered');
  }
  return runs.length;
}
