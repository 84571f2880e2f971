import 'server-only';
import { vmRuntimeSchema } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { followPointOp } from './snapshot-ops';
import { removeVmEverywhere } from './vm-cleanup';
import { waitForGuest } from './vm-create';

// A linked clone: a new VM on the parent's host and pool whose disk is an overlay on the point's
// frozen layer (no data copied); it boots (a point's memory is not used: two VMs from one memory
// image would share their identity). Any failure removes the half-made clone, as vm.create does.
export const cloneVmHandler: TaskHandler<'vm.clone'> = async (ctx, p) => {
  const clone = await db().vm.findUnique({ where: { id: p.vmId }, include: { host: true, image: true } });
  if (!clone) throw noSuchObject('VM', p.vmId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.clone',
      target: { type: 'vm', id: clone.id, name: clone.name },
      result,
      detail: { taskId: ctx.id, snapshotId: p.snapshotId, ...detail },
    });
  try {
    if (ctx.recovered) throw new Error('The worker making this clone stopped before it finished');
    const s = await db().snapshot.findUnique({ where: { id: p.snapshotId } });
    if (!s) throw noSuchObject('snapshot', p.snapshotId);
    const parent = await db().vm.findUnique({ where: { id: s.vmId }, select: { name: true } });
    const agent = await agentFor(clone.hostId);
    const img = clone.image;
    const boot = img
      ? {
          kernelPath: img.kernelPath ?? undefined,
          initrdPath: img.initrdPath ?? undefined,
          append: img.append ?? undefined,
        }
      : {};
    await ctx.step(
      `Linked clone of ${parent?.name ?? s.vmId} at "${s.name}" on ${clone.host.name}: an overlay on the snapshot's layer, nothing copied`,
    );
    const started = Date.now();
    const op = await agent.clonePoint(s.vmId, s.id, {
      vm: { id: clone.id, name: clone.name, vcpus: clone.vcpus, memoryMiB: clone.memoryMiB, boot },
      start: p.start,
    });
    const rt = vmRuntimeSchema.parse((await followPointOp(ctx, agent, op.id, { from: 0.1, to: 0.5 })).result);
    await db().vm.update({
      where: { id: clone.id },
      data: { state: VM_STATE_FROM_RUNTIME[rt.state], diskPath: rt.diskPath, pool: rt.pool },
    });
    await ctx.step(
      `Clone ready after ${Date.now() - started} ms (disk ${rt.diskPath})${p.start ? `; QEMU running (pid ${rt.pid})` : ''}`,
    );
    const warning = p.start && img?.kernelPath ? await waitForGuest(ctx, agent, clone.id, started) : null;
    await audit('succeeded', { from: parent?.name, start: p.start, ...(warning && { warning }) });
    return {
      vmId: clone.id,
      diskPath: rt.diskPath,
      state: VM_STATE_FROM_RUNTIME[rt.state],
      msToReady: Date.now() - started,
      warning,
    };
  } catch (err) {
    await ctx.step(`Clone failed: ${errorMessage(err)}. Removing the half-made VM.`, 'error');
    await removeVmEverywhere(ctx, clone.hostId, clone.id);
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
