import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { deleteAndUnregister } from './snapshot-ops';

// Deletes each member snapshot (a merge on its host), then the group. A member that cannot go
// (POINT_IN_USE, an unreachable host) stays with the group, and the task fails naming it.
export const groupDeleteHandler: TaskHandler<'checkpoint-group.delete'> = async (ctx, { groupId }) => {
  const group = await db().checkpointGroup.findUnique({ where: { id: groupId } });
  if (!group) throw noSuchObject('checkpoint group', groupId);
  const snapshots = await db().snapshot.findMany({ where: { groupId } });
  const kept: string[] = [];
  for (const [i, s] of snapshots.entries()) {
    try {
      const vm = await db().vm.findUnique({ where: { id: s.vmId }, select: { hostId: true } });
      await deleteAndUnregister(ctx, await agentFor(vm?.hostId ?? s.hostId), s, {
        from: i / snapshots.length,
        to: (i + 1) / snapshots.length,
      });
      await ctx.step(`Deleted the snapshot of ${s.vmId}`);
    } catch (err) {
      kept.push(s.vmId);
      await ctx.step(`Kept the snapshot of ${s.vmId}: ${errorMessage(err)}`, 'error');
    }
  }
  const target = { type: 'checkpoint-group', id: groupId, name: group.name };
  if (kept.length) {
    const error = `The snapshots of ${kept.join(', ')} could not be deleted; the group stays with them`;
    await recordAudit({
      actor: ctx.actor,
      action: 'checkpoint-group.delete',
      target,
      result: 'failed',
      detail: { taskId: ctx.id, error },
    });
    throw new Error(error);
  }
  await db().checkpointGroup.delete({ where: { id: groupId } });
  await recordAudit({
    actor: ctx.actor,
    action: 'checkpoint-group.delete',
    target,
    result: 'succeeded',
    detail: { taskId: ctx.id },
  });
  return { deleted: groupId, snapshots: snapshots.length };
};
