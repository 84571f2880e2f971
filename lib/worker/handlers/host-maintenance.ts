import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { notMovableReason } from '@/lib/domain/dr/roles';
import { planEvacuation } from '@/lib/domain/migrations/evacuation-plan';
import { enqueueMigration } from '@/lib/domain/migrations/service';
import { currentPlacementRules, placementHosts } from '@/lib/domain/migrations/target';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import { waitFor } from '@/lib/wait-for';
import type { TaskContext, TaskHandler } from '../context';

const MIGRATION_TIMEOUT_MS = 30 * 60_000;

// One migration at a time (a vm.migrate task the worker runs beside this one): moving several
// at once would share the same link and the 2-core hosts, and make each one's downtime worse.
async function migrateAndWait(ctx: TaskContext, vmId: string, targetHostId: string): Promise<string | null> {
  try {
    const { taskId } = await enqueueMigration(ctx.actor, { vmId, targetHostId, reason: 'maintenance' });
    const t = await waitFor(
      `migration task ${taskId}`,
      async () => {
        const row = await db().task.findUniqueOrThrow({ where: { id: taskId } });
        return row.state === TASK_STATE.queued || row.state === TASK_STATE.running ? null : row;
      },
      MIGRATION_TIMEOUT_MS,
      500,
    );
    return t.state === TASK_STATE.succeeded ? null : (t.errorMessage ?? t.state);
  } catch (err) {
    return errorMessage(err);
  }
}

const hostRow = async (id: string) => {
  const h = await db().host.findUnique({ where: { id } });
  if (!h) throw noSuchObject('host', id);
  return h;
};

export const evacuateHostHandler: TaskHandler<'host.evacuate'> = async (ctx, { hostId }) => {
  const host = await hostRow(hostId);
  const vms = await db().vm.findMany({ where: { hostId: host.id }, orderBy: { name: 'asc' } });
  for (const v of vms.filter((x) => notMovableReason(x)))
    await ctx.step(`${notMovableReason(v)}: it stays on ${host.name}`, 'warn');
  const movable = vms.filter((v) => !notMovableReason(v));
  const running = movable.filter((v) => v.state === VM_STATE.running);
  for (const v of movable.filter((x) => x.state !== VM_STATE.running)) {
    await ctx.step(
      `${v.name} is ${v.state}: it stays on ${host.name} (only running VMs are live-migrated; a stopped VM uses no CPU or memory here)`,
      'warn',
    );
  }
  const [hosts, rules] = await Promise.all([placementHosts(), currentPlacementRules()]);
  const plan = planEvacuation(
    host.id,
    hosts,
    running.map((v) => ({ id: v.id, name: v.name, memoryMiB: v.memoryMiB })),
    rules,
  );
  const names = new Map(vms.map((v) => [v.id, v.name]));
  for (const u of plan.unplaced) await ctx.step(`${names.get(u.vmId)} cannot move: ${u.reason}`, 'error');
  if (plan.assignments.length)
    await ctx.step(`Plan: ${plan.assignments.map((a) => `${names.get(a.vmId)} -> ${a.hostName}`).join(', ')}`);
  const moved = JSON.parse(host.evacuatedVmIds) as string[]; // a recovered task keeps what it moved
  const failed: { vmId: string; error: string }[] = plan.unplaced.map((u) => ({ vmId: u.vmId, error: u.reason }));
  for (const [i, a] of plan.assignments.entries()) {
    if (!(await hostRow(host.id)).maintenance) {
      await ctx.step('The host left maintenance: stopping the evacuation', 'warn');
      break;
    }
    await ctx.step(`Migrating ${names.get(a.vmId)} to ${a.hostName} (${i + 1}/${plan.assignments.length})`);
    const error = await migrateAndWait(ctx, a.vmId, a.hostId);
    if (error) {
      failed.push({ vmId: a.vmId, error });
      await ctx.step(`${names.get(a.vmId)} stays on ${host.name}: ${error}`, 'error');
    } else {
      moved.push(a.vmId);
      await db().host.update({ where: { id: host.id }, data: { evacuatedVmIds: JSON.stringify(moved) } });
    }
    await ctx.progress((i + 1) / plan.assignments.length);
  }
  const detail = {
    taskId: ctx.id,
    moved: moved.map((id) => names.get(id)),
    failed: failed.map((f) => ({ vm: names.get(f.vmId), error: f.error })),
  };
  await recordAudit({
    actor: ctx.actor,
    action: 'host.evacuate',
    target: { type: 'host', id: host.id, name: host.name },
    result: failed.length ? 'failed' : 'succeeded',
    detail,
  });
  if (failed.length)
    throw new Error(
      `${failed.length} running VM(s) could not leave ${host.name}: ${detail.failed.map((f) => `${f.vm} (${f.error})`).join('; ')}`,
    );
  return { moved, stayed: vms.filter((v) => !running.includes(v)).map((v) => v.id) };
};

// Leaving maintenance: the VMs evacuated on entry that still exist and run elsewhere come back.
export const bringBackHandler: TaskHandler<'host.bring-back'> = async (ctx, { hostId, vmIds: ids }) => {
  const host = await hostRow(hostId);
  if (!ids.length) {
    await ctx.step(`${host.name} takes VMs again; nothing to bring back`);
    return { returned: [] };
  }
  const vms = await db().vm.findMany({ where: { id: { in: ids } } });
  const gone = ids.filter((id) => !vms.some((v) => v.id === id));
  if (gone.length) await ctx.step(`${gone.length} evacuated VM(s) no longer exist`);
  const returned: string[] = [];
  const failed: string[] = [];
  for (const [i, vm] of vms.entries()) {
    if (vm.hostId === host.id) continue;
    if (vm.state !== VM_STATE.running) {
      await ctx.step(`${vm.name} is ${vm.state}: left where it is`, 'warn');
      continue;
    }
    await ctx.step(`Bringing ${vm.name} back (${i + 1}/${vms.length})`);
    const error = await migrateAndWait(ctx, vm.id, host.id);
    if (error) {
      failed.push(`${vm.name} (${error})`);
      await ctx.step(`${vm.name} could not come back: ${error}`, 'error');
    } else returned.push(vm.id);
    await ctx.progress((i + 1) / vms.length);
  }
  await db().host.update({ where: { id: host.id }, data: { evacuatedVmIds: '[]' } });
  await recordAudit({
    actor: ctx.actor,
    action: 'host.bring-back',
    target: { type: 'host', id: host.id, name: host.name },
    result: failed.length ? 'failed' : 'succeeded',
    detail: { taskId: ctx.id, returned, failed },
  });
  if (failed.length) throw new Error(`Could not bring back: ${failed.join('; ')}`);
  return { returned };
};
