import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { selectableVms } from '@/lib/domain/backups/queries';
import { matchVms, parseSelector } from '@/lib/domain/backups/selector';
import { agentFor } from '@/lib/domain/hosts/agents';
import { newPointId, requireCapability, requireFree, vmWithHost } from '@/lib/domain/snapshots/checks';
import { errorMessage, noSuchObject, pointInUse } from '@/lib/errors';
import type { SnapshotSchedule } from '@/lib/generated/prisma/client';
import type { TaskContext, TaskHandler } from '../context';
import { deleteAndUnregister, describePoint, takeAndRegister } from './snapshot-ops';

type VmOutcome = {
  vmId: string;
  vmName: string;
  snapshotId: string | null;
  error: string | null;
  pruned: number;
  keptInUse: number;
};

// One run of a snapshot schedule: a snapshot (or checkpoint) of each VM its selector covers now,
// then that VM's snapshots from this schedule beyond the newest `keep` are deleted (each a merge
// on the agent); one still in use (linked clones, a branch point) is kept with a step. A VM that
// cannot take part now (off for a memory checkpoint, busy, host offline) is skipped with its
// reason. The task fails only if every VM failed.
export const scheduleRunHandler: TaskHandler<'snapshot.schedule-run'> = async (ctx, { scheduleId }) => {
  const schedule = await db().snapshotSchedule.findUnique({ where: { id: scheduleId } });
  if (!schedule) throw noSuchObject('snapshot schedule', scheduleId);
  await db().snapshotSchedule.update({ where: { id: scheduleId }, data: { lastRunAt: new Date() } });
  const vms = matchVms(parseSelector(schedule.selector), await selectableVms());
  await ctx.step(
    `${vms.length} VM${vms.length === 1 ? '' : 's'} selected; keeping the newest ${schedule.keep} of this schedule on each`,
  );
  const outcomes: VmOutcome[] = [];
  for (const [i, v] of vms.entries()) {
    outcomes.push(await runForVm(ctx, schedule, v.id, v.name));
    await ctx.progress((i + 1) / vms.length);
  }
  const failed = outcomes.filter((o) => o.error);
  const target = { type: 'snapshot-schedule', id: schedule.id, name: schedule.name };
  const summary = {
    taskId: ctx.id,
    taken: outcomes.length - failed.length,
    failed: failed.length,
    pruned: outcomes.reduce((n, o) => n + o.pruned, 0),
  };
  if (vms.length && failed.length === vms.length) {
    await recordAudit({ actor: ctx.actor, action: 'snapshot-schedule.run', target, result: 'failed', detail: summary });
    throw new Error(`No VM could be snapshotted: ${failed.map((f) => `${f.vmName}: ${f.error}`).join('; ')}`);
  }
  await recordAudit({
    actor: ctx.actor,
    action: 'snapshot-schedule.run',
    target,
    result: 'succeeded',
    detail: summary,
  });
  return { scheduleId, outcomes };
};

async function runForVm(
  ctx: TaskContext,
  schedule: SnapshotSchedule,
  vmId: string,
  vmName: string,
): Promise<VmOutcome> {
  const out: VmOutcome = { vmId, vmName, snapshotId: null, error: null, pruned: 0, keptInUse: 0 };
  try {
    const vm = await vmWithHost(vmId);
    await requireFree(vm);
    await requireCapability(vm, schedule.memory ? 'memory' : 'disk');
    const agent = await agentFor(vm.hostId);
    const name = `${schedule.name} ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`;
    const point = await takeAndRegister(
      ctx,
      agent,
      vm,
      { snapshotId: newPointId('sn'), name, description: null, memory: schedule.memory, scheduleId: schedule.id },
      null,
    );
    out.snapshotId = point.id;
    await ctx.step(`${vmName}: ${describePoint(point)}`);
  } catch (err) {
    out.error = errorMessage(err);
    await ctx.step(`${vmName}: skipped: ${out.error}`, 'warn');
    return out;
  }
  const old = await db().snapshot.findMany({
    where: { vmId, scheduleId: schedule.id },
    orderBy: { createdAt: 'desc' },
    skip: schedule.keep,
  });
  for (const s of old) {
    try {
      const vm = await db().vm.findUniqueOrThrow({ where: { id: vmId }, select: { hostId: true } });
      await deleteAndUnregister(ctx, await agentFor(vm.hostId), s, null);
      out.pruned++;
      await ctx.step(`${vmName}: pruned "${s.name}" (keep ${schedule.keep})`);
    } catch (err) {
      if (pointInUse.is(err)) out.keptInUse++;
      await ctx.step(`${vmName}: kept "${s.name}" beyond keep ${schedule.keep}: ${errorMessage(err)}`, 'warn');
    }
  }
  return out;
}
