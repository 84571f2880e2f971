import 'server-only';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { pullResultSchema, sendResultSchema, type PullResult } from '@/lib/agent-protocol/replication';
import { db } from '@/lib/db/client';
import { newReplicaPointId, type JobWithVms } from '@/lib/domain/dr/checks';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage } from '@/lib/errors';
import { formatBytes, formatDuration } from '@/lib/format';
import type { TaskContext } from './context';
import { failRun, rpoNextRun, waitWithProgress } from './replication-ops';

// One reverse run of a job failing back (docs/ARCHITECTURE.md, "Disaster recovery"): the replica
// R (site B, the VM since the failover) is copied INTO the protected VM V's own disk (site A, V
// stopped), in place, so only changed clusters travel. The first reverse run first pulls A's own
// writes since the failover point back from B's read-only export (they are overwritten with B's
// content); every run then pushes B's writes since the previous reverse point (the first: since
// the failover point) into a writable export of V's disk. Shared by the replication.run handler
// and the switch back's final run (dr.failback), whose commit leaves V a bitmap for the demoted
// point: the next forward run is incremental from it.

export type ReverseOutcome = { pointId: string; bytesSent: number; bytesPulled: number; kind: 'full' | 'incremental' };

async function pull(ctx: TaskContext, j: JobWithVms, a: AgentClient, b: AgentClient, basePointId: string) {
  await ctx.step(`Pulling back the writes VM ${j.vm.name} made on ${j.vm.host.name} since point ${basePointId}`);
  const exp = await b.exportReplication(j.replica.id, {});
  try {
    const op = await a.pullReplication(j.vm.id, { basePointId, source: exp.target });
    const done = await waitForOperation(a, op.id, undefined, { intervalMs: 250, timeoutMs: 6 * 3600_000 });
    const r: PullResult = pullResultSchema.parse(done.result);
    await ctx.step(
      r.bitmapFound
        ? `Pulled ${formatBytes(r.bytesPulled)} of ${j.vm.name}'s own changes back from ${j.replica.name} in ${formatDuration(r.durationMs)}`
        : `VM ${j.vm.name}'s disk has no record of its changes since ${basePointId} (failed over to an older point?): ` +
            'the first push is a full copy',
      r.bitmapFound ? 'info' : 'warn',
    );
    return r;
  } finally {
    await b.endExport(j.replica.id, exp.exportId).catch(() => undefined);
  }
}

export async function replicateReverse(
  ctx: TaskContext,
  j: JobWithVms,
  { final = false, progress = { from: 0, to: 1 } }: { final?: boolean; progress?: { from: number; to: number } } = {},
): Promise<ReverseOutcome> {
  const failoverPointId = j.job.failoverPointId;
  if (!failoverPointId) throw new Error(`The failover point of VM ${j.vm.name} is unknown: failback is not possible`);
  const pointId = newReplicaPointId();
  const at = (f: number) => ctx.progress(progress.from + (progress.to - progress.from) * f);
  const run = await db().replicationRun.create({
    data: { jobId: j.job.id, taskId: ctx.id, status: 'running', pointId, direction: 'reverse' },
  });
  await db().replicationJob.update({ where: { id: j.job.id }, data: { lastRunAt: run.startedAt } });
  let a: AgentClient | null = null;
  let sessionOpen = false;
  try {
    a = await agentFor(j.vm.hostId);
    const b = await agentFor(j.replica.hostId);
    const pulled = j.job.reverseBaseId ? null : await pull(ctx, j, a, b, failoverPointId);
    await at(0.2);
    sessionOpen = true; // from here an abort is due on failure (idempotent on the agent)
    const session = await a.receiveInPlace(j.vm.id, { pointId });
    const full = pulled?.bitmapFound === false;
    const base = full ? null : (session.basePointId ?? failoverPointId);
    await ctx.step(
      `Sending ${full ? 'a full copy of' : 'the changes of'} ${j.replica.name} (${j.replica.host.name}, site ` +
        `${j.replica.host.site}) into ${j.vm.name}'s own disk on ${j.vm.host.name} as reverse point ${pointId}` +
        (base ? ` (since ${base})` : ''),
    );
    const op = await b.sendReplication(j.replica.id, {
      jobId: j.job.id,
      pointId,
      basePointId: base,
      target: session.target,
      full,
    });
    const sent = sendResultSchema.parse(await waitWithProgress(b, op.id, (f) => at(0.2 + 0.7 * f)));
    if (sent.fullReason) await ctx.step(`Full copy: ${sent.fullReason}`);
    await a.commitInPlace(j.vm.id, pointId, { forwardBasePointId: final ? pointId : null });
    sessionOpen = false;
    const finishedAt = new Date();
    const bytesPulled = pulled?.bytesPulled ?? 0;
    const nextRunAt = final ? null : await rpoNextRun(j.job, 'reverse', new Date(sent.takenAt), finishedAt);
    await db().$transaction([
      db().replicationRun.update({
        where: { id: run.id },
        data: {
          status: 'succeeded',
          kind: sent.kind,
          fullReason: sent.fullReason,
          bytesSent: BigInt(Math.round(sent.bytesSent)),
          bytesPulled: BigInt(Math.round(bytesPulled)),
          durationMs: finishedAt.getTime() - run.startedAt.getTime(),
          finishedAt,
        },
      }),
      db().replicationJob.update({
        where: { id: j.job.id },
        data: { reverseBaseId: pointId, lastSuccessAt: finishedAt, lastError: null, ...(nextRunAt && { nextRunAt }) },
      }),
    ]);
    await ctx.step(
      `Reverse point ${pointId} (${sent.kind}) as of ${sent.takenAt}: ${formatBytes(sent.bytesSent)} sent` +
        (pulled ? `, ${formatBytes(bytesPulled)} pulled` : '') +
        ` against a full copy of ${formatBytes(sent.virtualSizeBytes)}`,
    );
    await at(1);
    return { pointId, bytesSent: sent.bytesSent, bytesPulled, kind: sent.kind };
  } catch (err) {
    if (sessionOpen) await a?.abortInPlace(j.vm.id, pointId).catch(() => undefined);
    await failRun(run.id, j.job.id, errorMessage(err));
    throw err;
  }
}
