import 'server-only';
import type { AgentClient } from '@/lib/agent-client';
import { revertResultSchema } from '@/lib/agent-protocol/snapshots';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { followPointOp, settleVm } from './snapshot-ops';
import { waitForGuest } from './vm-create';

// Back to a snapshot or checkpoint: a checkpoint resumes where it was (memory restored, not a
// boot); a disk snapshot of a running VM restarts it on that disk; a stopped VM stays stopped.
// The VM's row follows the agent's answer (state, active disk file, "you are here").
export const snapshotRevertHandler: TaskHandler<'snapshot.revert'> = async (ctx, p) => {
  const vm = await db().vm.findUnique({ where: { id: p.vmId }, include: { image: { select: { kernelPath: true } } } });
  const s = await db().snapshot.findUnique({ where: { id: p.snapshotId } });
  if (!vm) throw noSuchObject('VM', p.vmId);
  if (!s) throw noSuchObject('snapshot', p.snapshotId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'snapshot.revert',
      target: { type: 'vm', id: vm.id, name: vm.name },
      result,
      detail: { taskId: ctx.id, snapshotId: s.id, name: s.name, ...detail },
    });
  let agent: AgentClient | null = null;
  try {
    agent = await agentFor(vm.hostId);
    if (ctx.recovered) throw new Error('The worker running this revert stopped before it finished');
    await ctx.step(`Reverting VM ${vm.name} to ${s.memory ? 'checkpoint' : 'snapshot'} "${s.name}"`);
    const op = await agent.revertPoint(vm.id, s.id);
    const r = revertResultSchema.parse((await followPointOp(ctx, agent, op.id)).result);
    const state = VM_STATE_FROM_RUNTIME[r.vm.state];
    await db().vm.update({
      where: { id: vm.id },
      data: {
        state,
        diskPath: r.vm.diskPath,
        guestReady: r.vm.guestReady,
        currentSnapshotId: s.id,
        lastError: null,
        guestWarning: null,
      },
    });
    const how = r.resumedFromMemory
      ? 'resumed from its memory state'
      : state === 'running'
        ? "started again on the snapshot's disk"
        : `is ${state}`;
    await ctx.step(`Reverted in ${Math.round(r.revertMs)} ms; the VM ${how}`);
    // A disk snapshot of a running VM boots: done once its guest is up (or with the usual warning).
    const booted = !r.resumedFromMemory && state === 'running' && vm.image?.kernelPath;
    const warning = booted ? await waitForGuest(ctx, agent, vm.id, Date.now() - r.revertMs) : null;
    await audit('succeeded', {
      revertMs: r.revertMs,
      resumedFromMemory: r.resumedFromMemory,
      ...(warning && { warning }),
    });
    return { snapshotId: s.id, state, revertMs: r.revertMs, resumedFromMemory: r.resumedFromMemory, warning };
  } catch (err) {
    await ctx.step(`Revert failed: ${errorMessage(err)}`, 'error');
    await settleVm(agent, vm.id, p.previousState, err, 'Revert');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
