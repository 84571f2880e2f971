import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { deleteAndUnregister } from './snapshot-ops';

// Deletes one snapshot: the agent merges its layer with its one child (block-commit with an
// explicit base, live or offline); the row goes once that succeeded. A failed merge leaves the
// point registered (the agent keeps the chain readable either way).
export const snapshotDeleteHandler: TaskHandler<'snapshot.delete'> = async (ctx, p) => {
  const s = await db().snapshot.findUnique({ where: { id: p.snapshotId } });
  const vm = await db().vm.findUnique({ where: { id: p.vmId }, select: { id: true, name: true, hostId: true } });
  if (!vm) throw noSuchObject('VM', p.vmId);
  if (!s) throw noSuchObject('snapshot', p.snapshotId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown> = {}) =>
    recordAudit({
      actor: ctx.actor,
      action: 'snapshot.delete',
      target: { type: 'vm', id: vm.id, name: vm.name },
      result,
      detail: { taskId: ctx.id, snapshotId: s.id, name: s.name, ...detail },
    });
  try {
    const agent = await agentFor(vm.hostId);
    await ctx.step(`Deleting snapshot "${s.name}" of VM ${vm.name} (merging its layer)`);
    await deleteAndUnregister(ctx, agent, s);
    await audit('succeeded');
    return { deleted: s.id };
  } catch (err) {
    await ctx.step(`Delete failed: ${errorMessage(err)}`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
