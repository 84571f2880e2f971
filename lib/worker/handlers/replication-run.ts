import 'server-only';
import { recordAudit } from '@/lib/domain/audit/service';
import { jobWithVms } from '@/lib/domain/dr/checks';
import { errorMessage } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { replicateReverse } from '../failback-ops';
import { abandonRuns, replicate } from '../replication-ops';

// One replication run of a job (scheduled or Run now): forward (the VM -> its replica), or, while
// the job fails back, reverse (the replica, now the VM -> the original disk). A recovered task (its
// worker died) aborts the open session and fails the run: nothing half-sent is ever registered.
export const replicationRunHandler: TaskHandler<'replication.run'> = async (ctx, p) => {
  const j = await jobWithVms(p.jobId);
  const target = { type: 'vm', id: j.vm.id, name: j.vm.name };
  if (ctx.recovered) {
    const n = await abandonRuns(ctx, j);
    throw new Error(
      `The worker running this replication stopped; ${n} unfinished run(s) abandoned, nothing registered`,
    );
  }
  if (j.job.state === 'failed-over') throw new Error(`VM ${j.vm.name} failed over: replication stopped`);
  const reverse = j.job.state === 'failing-back';
  const action = reverse ? 'dr.failback.run' : 'dr.run';
  // Scheduled runs are audited only when they fail (one event a minute per VM would drown the log).
  const succeeded = (detail: Record<string, unknown>) =>
    p.trigger === 'manual' &&
    recordAudit({
      actor: ctx.actor,
      action,
      target,
      result: 'succeeded',
      detail: { taskId: ctx.id, jobId: j.job.id, ...detail },
    });
  try {
    if (reverse) {
      const out = await replicateReverse(ctx, j);
      await succeeded(out);
      return { direction: 'reverse', ...out };
    }
    const { pointId, result } = await replicate(ctx, j);
    await succeeded({ pointId, kind: result.kind, bytesSent: result.bytesSent });
    return {
      direction: 'forward',
      pointId,
      kind: result.kind,
      fullReason: result.fullReason,
      bytesSent: result.bytesSent,
      takenAt: result.takenAt,
    };
  } catch (err) {
    await ctx.step(`Replication failed: ${errorMessage(err)}`, 'error');
    await recordAudit({
      actor: ctx.actor,
      action,
      target,
      result: 'failed',
      detail: { taskId: ctx.id, jobId: j.job.id, trigger: p.trigger, error: errorMessage(err) },
    });
    throw err;
  }
};
