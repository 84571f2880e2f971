import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { planPointDelete } from '@/lib/domain/backups/chain';
import { DELETE_POINT_TASK } from '@/lib/domain/backups/chain-readers';
import { applyPruneStep, repositoryAgents } from '@/lib/domain/backups/prune';
import { chainBusyConflict, chainInUse, dependantsConflict, pointTarget } from '@/lib/domain/backups/restore-points';
import { errorMessage } from '@/lib/errors';
import type { TaskHandler } from '../context';

// restore-point.delete: { pointId, merge, chainId }. The checks of the service again (a backup
// or reader may have started since it was queued; readers that start now wait for this task),
// then the retention machinery: dependants rebased onto the point's parent (or flattened), each
// recorded at once, then the point's row and file. A failure half-way leaves every remaining
// point consistent (each rebase is complete before its row changes); running it again finishes.
export const deletePointHandler: TaskHandler<'restore-point.delete'> = async (ctx, { pointId, merge }) => {
  const point = await db().restorePoint.findUnique({ where: { id: pointId } });
  if (!point) {
    await ctx.step(`Restore point ${pointId} is already gone`, 'warn');
    return { deleted: null, rebased: [], freedBytes: 0 };
  }
  const target = pointTarget(point);
  try {
    const busy = await chainInUse(point, ctx.id);
    if (busy) throw chainBusyConflict(point, busy);
    const points = await db().restorePoint.findMany({ where: { vmId: point.vmId } });
    const plan = planPointDelete(points, point.id);
    if (plan.dependants.length && !merge) throw dependantsConflict(point, plan.dependants);
    const byId = new Map(points.map((p) => [p.id, p]));
    const agentOf = repositoryAgents();
    const out = { deleted: point.id, rebased: [] as string[], freedBytes: 0 };
    for (const [i, step] of plan.steps.entries()) {
      const r = await applyPruneStep(step, byId, agentOf);
      if (step.op === 'rebase') out.rebased.push(step.pointId);
      out.freedBytes += r.freedBytes;
      await ctx.step(`${step.op === 'rebase' ? 'Rebased' : 'Deleted'} point ${step.pointId}: ${step.reason}`);
      if (r.manifestMissing)
        await ctx.step(
          `Point ${step.pointId} has no manifest in the repository (taken before manifests existed)`,
          'warn',
        );
      await ctx.progress((i + 1) / plan.steps.length);
    }
    await recordAudit({
      actor: ctx.actor,
      action: DELETE_POINT_TASK,
      target,
      result: 'succeeded',
      detail: { taskId: ctx.id, ...out },
    });
    return out;
  } catch (err) {
    await recordAudit({
      actor: ctx.actor,
      action: DELETE_POINT_TASK,
      target,
      result: 'failed',
      detail: { taskId: ctx.id, error: errorMessage(err) },
    });
    throw err;
  }
};
