import 'server-only';
import type { ReplicaState } from '@/lib/agent-protocol/replication';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { jobWithVms, type JobWithVms } from '@/lib/domain/dr/checks';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { errorMessage } from '@/lib/errors';
import type { TaskContext, TaskHandler } from '../context';
import { awaitReplicationRuns } from '../dr-run-wait';
import { replicateReverse } from '../failback-ops';
import { mirrorPoints, rpoNextRun } from '../replication-ops';
import { stopForSwitch } from './dr-stop';

// The switch back of a failback (docs/ARCHITECTURE.md, "Disaster recovery"): the replica (the VM
// since the failover) stops on site B (graceful, forced after the grace), a final reverse run sends
// its last writes into the original disk and leaves it a bitmap for that point, site B freezes the
// replica's disk as that same point (demote: a replica again, start-blocked), and the original VM
// starts on site A. The job replicates forward again, incrementally from that point: nothing
// travels twice.

const SETTLED_OFF = new Set<string>(['shutoff', 'crashed']);

async function switchBack(ctx: TaskContext, j: JobWithVms): Promise<ReplicaState> {
  const b = await agentFor(j.replica.hostId);
  const rt = await b.getVm(j.replica.id);
  if (!SETTLED_OFF.has(rt.state)) await stopForSwitch(ctx, b, j.replica, true);
  await ctx.progress(0.2);
  await ctx.step(`Final reverse run of the stopped ${j.replica.name}`);
  const final = await replicateReverse(ctx, await jobWithVms(j.job.id), {
    final: true,
    progress: { from: 0.2, to: 0.7 },
  });
  await ctx.step(`Freezing ${j.replica.name}'s disk on ${j.replica.host.name} as point ${final.pointId}`);
  return b.demote(j.replica.id, { pointId: final.pointId });
}

export const drFailbackHandler: TaskHandler<'dr.failback'> = async (ctx, p) => {
  // A reverse run in flight finishes first (a queued one is cancelled): the switch back runs its own.
  await awaitReplicationRuns(ctx, p.jobId);
  const j = await jobWithVms(p.jobId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'dr.failback',
      target: { type: 'vm', id: j.vm.id, name: j.vm.name },
      result,
      detail: { taskId: ctx.id, jobId: j.job.id, replicaVmId: j.replica.id, ...detail },
    });
  try {
    if (j.job.state !== 'failing-back') throw new Error(`VM ${j.vm.name} is not failing back (job ${j.job.state})`);
    const b = await agentFor(j.replica.hostId);
    // A worker that died after the demote: only V's start and the records are missing.
    const current = ctx.recovered ? await b.getReplica(j.replica.id) : null;
    const state = current && current.promotedFrom === null ? current : await switchBack(ctx, j);
    const pointId = state.points.at(-1)?.id ?? null;
    await ctx.progress(0.8);
    await ctx.step(`Starting VM ${j.vm.name} on ${j.vm.host.name} (site ${j.vm.host.site})`);
    // The records first: the VM service and the agent may then let V start; a failed start leaves
    // a VM an operator starts again, not a job stuck in failback.
    const now = new Date();
    const nextRunAt = await rpoNextRun(j.job, 'forward', now, now);
    await db().$transaction([
      ...mirrorPoints(j.job.id, state),
      db().vm.update({
        where: { id: j.replica.id },
        data: { role: 'replica', state: VM_STATE.stopped, guestReady: false, lastError: null },
      }),
      db().vm.update({ where: { id: j.vm.id }, data: { drState: null } }),
      db().replicationJob.update({
        where: { id: j.job.id },
        data: {
          state: 'active',
          enabled: true,
          failoverPointId: null,
          failedOverAt: null,
          reverseBaseId: null,
          lastError: null,
          nextRunAt,
        },
      }),
    ]);
    const rt = await (await agentFor(j.vm.hostId)).startVm(j.vm.id);
    await db().vm.update({
      where: { id: j.vm.id },
      data: { state: VM_STATE_FROM_RUNTIME[rt.state], guestReady: rt.guestReady, lastError: null },
    });
    await ctx.step(`VM ${j.vm.name} is ${VM_STATE_FROM_RUNTIME[rt.state]}; replication runs forward from ${pointId}`);
    await audit('succeeded', { pointId });
    return { pointId, vmId: j.vm.id, state: VM_STATE_FROM_RUNTIME[rt.state] };
  } catch (err) {
    await ctx.step(`Failback failed: ${errorMessage(err)}`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
