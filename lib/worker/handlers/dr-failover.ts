import 'server-only';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { failoverResultSchema } from '@/lib/agent-protocol/replication';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { jobWithVms, type JobWithVms } from '@/lib/domain/dr/checks';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { agentUnreachable, errorMessage, hostOffline, noSuchObject } from '@/lib/errors';
import type { TaskPayload } from '@/lib/domain/tasks/kinds';
import type { TaskContext, TaskHandler } from '../context';
import { awaitReplicationRuns } from '../dr-run-wait';
import { replicate } from '../replication-ops';
import { stopForSwitch } from './dr-stop';

// Failover: the replica on the other site becomes the VM. Planned: the source VM stops (graceful,
// forced after the grace), one more run sends its last writes, the replica starts on that point
// (zero loss). Unplanned: the chosen (or newest) point; a source VM still running on a reachable
// host is stopped first (forced) so two copies never run; an unreachable site is the disaster.

const SETTLED_OFF = new Set<string>(['shutoff', 'crashed']);

async function stopSource(ctx: TaskContext, j: JobWithVms, planned: boolean): Promise<'stopped' | 'unreachable'> {
  let agent: AgentClient;
  try {
    agent = await agentFor(j.vm.hostId);
    const rt = await agent.getVm(j.vm.id);
    if (SETTLED_OFF.has(rt.state)) {
      await ctx.step(`VM ${j.vm.name} is not running on ${j.vm.host.name}`);
      return 'stopped';
    }
  } catch (err) {
    if (planned || !(hostOffline.is(err) || agentUnreachable.is(err) || noSuchObject.is(err))) throw err;
    await ctx.step(
      `The source host ${j.vm.host.name} (site ${j.vm.host.site}) cannot be reached: ${errorMessage(err)}; ` +
        'failing over without stopping it (the site is down)',
      'warn',
    );
    return 'unreachable';
  }
  if (!planned)
    await ctx.step(`VM ${j.vm.name} still runs on ${j.vm.host.name}: stopping it at once so two copies never run`);
  await stopForSwitch(ctx, agent, j.vm, planned);
  return 'stopped';
}

async function promote(ctx: TaskContext, j: JobWithVms, target: AgentClient, p: TaskPayload<'dr.failover'>) {
  const source = await stopSource(ctx, j, p.planned);
  await ctx.progress(0.2);
  let pointId = p.pointId ?? j.job.points[0]?.id;
  if (p.planned) {
    await ctx.step('Final replication of the stopped VM');
    pointId = (await replicate(ctx, await jobWithVms(p.jobId), { progress: { from: 0.2, to: 0.7 } })).pointId;
  }
  if (!pointId) throw new Error(`VM ${j.vm.name} has no replica point to fail over to`);
  await ctx.step(
    `Starting ${j.replica.name} on ${j.replica.host.name} (site ${j.replica.host.site}) from point ${pointId}`,
  );
  const op = await target.failover(j.replica.id, { pointId, start: true });
  const done = await waitForOperation(target, op.id, undefined, { intervalMs: 250, timeoutMs: 10 * 60_000 });
  return { pointId, runtime: failoverResultSchema.parse(done.result).runtime, source };
}

export const drFailoverHandler: TaskHandler<'dr.failover'> = async (ctx, p) => {
  await awaitReplicationRuns(ctx, p.jobId);
  const j = await jobWithVms(p.jobId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: p.planned ? 'dr.failover.planned' : 'dr.failover',
      target: { type: 'vm', id: j.vm.id, name: j.vm.name },
      result,
      detail: { taskId: ctx.id, jobId: j.job.id, replicaVmId: j.replica.id, ...detail },
    });
  try {
    if (j.job.state === 'failed-over') throw new Error(`VM ${j.vm.name} already failed over to ${j.replica.name}`);
    const target = await agentFor(j.replica.hostId);
    // A worker that died after the target promoted the replica: only the records are missing.
    const promoted = ctx.recovered ? (await target.getReplica(j.replica.id)).promotedFrom : null;
    const { pointId, runtime, source } = promoted
      ? { pointId: promoted, runtime: await target.getVm(j.replica.id), source: 'unknown' as const }
      : await promote(ctx, j, target, p);
    const point = await db().replicaPoint.findUnique({ where: { id: pointId } });
    await db().$transaction([
      db().vm.update({
        where: { id: j.replica.id },
        data: {
          role: 'vm',
          state: VM_STATE_FROM_RUNTIME[runtime.state],
          diskPath: runtime.diskPath,
          guestReady: runtime.guestReady,
          lastError: null,
        },
      }),
      db().vm.update({ where: { id: j.vm.id }, data: { drState: 'failed-over' } }),
      // The failover point is the last common point of both disks: failback starts from it.
      db().replicationJob.update({
        where: { id: j.job.id },
        data: {
          state: 'failed-over',
          enabled: false,
          nextRunAt: null,
          failoverPointId: pointId,
          failedOverAt: new Date(),
          reverseBaseId: null,
        },
      }),
      // The agent dropped the points after the one it started from.
      ...(point ? [db().replicaPoint.deleteMany({ where: { jobId: j.job.id, takenAt: { gt: point.takenAt } } })] : []),
    ]);
    await ctx.step(`${j.replica.name} is ${VM_STATE_FROM_RUNTIME[runtime.state]}: it is the VM now`);
    await audit('succeeded', { pointId, takenAt: point?.takenAt.toISOString() ?? null, source });
    return { pointId, replicaVmId: j.replica.id, state: VM_STATE_FROM_RUNTIME[runtime.state], source };
  } catch (err) {
    await ctx.step(`Failover failed: ${errorMessage(err)}`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
