import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { followPointOp, vmFromHost } from './snapshot-ops';

// Makes a linked clone independent: it copies what it reads from its parent's layers (block-stream
// live, qemu-img rebase offline; progress in bytes) and keeps only the image repository file as
// backing, like any VM. Until that succeeded it stays a clone (its parent's point stays protected).
export const detachCloneHandler: TaskHandler<'vm.detach-clone'> = async (ctx, { vmId }) => {
  const vm = await db().vm.findUnique({ where: { id: vmId } });
  if (!vm) throw noSuchObject('VM', vmId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.detach-clone',
      target: { type: 'vm', id: vm.id, name: vm.name },
      result,
      detail: { taskId: ctx.id, snapshotId: vm.cloneOfSnapshotId, ...detail },
    });
  try {
    if (ctx.recovered) throw new Error('The worker running this detach stopped before it finished; run it again');
    const agent = await agentFor(vm.hostId);
    await ctx.step(`Copying the data VM ${vm.name} reads from its parent's snapshot into its own disk`);
    const started = Date.now();
    const op = await agent.detachClone(vmId);
    await followPointOp(ctx, agent, op.id, { from: 0.05, to: 0.95 });
    const now = await vmFromHost(agent, vmId).catch(() => null);
    await db().vm.update({
      where: { id: vmId },
      data: { cloneOfSnapshotId: null, ...(now && { diskPath: now.diskPath }) },
    });
    await ctx.step(`VM ${vm.name} is independent after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await audit('succeeded', { ms: Date.now() - started });
    return { vmId, ms: Date.now() - started };
  } catch (err) {
    await ctx.step(`Detach failed: ${errorMessage(err)}; the VM stays a linked clone`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
