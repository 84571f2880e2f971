import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { agentFor } from '@/lib/domain/hosts/agents';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { activeTaskFor, addStep, enqueueTask } from '@/lib/domain/tasks/service';
import { movingTo, requireHaAdmission } from '@/lib/domain/ha/admission-check';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { conflict, errorMessage, hostOffline, noSuchObject, vmBadPowerState } from '@/lib/errors';
import { notMovableReason } from '@/lib/domain/dr/roles';
import { MIGRATION_STATE, type QueueMigrationResultDto } from './dto';
import { buildEstimate } from './estimate-inputs';
import type { MigrationOptions, QueueMigration } from './schemas';
import { migrationModeFor, resolveTarget } from './target';

// A cancel request is recorded on the running Migration row as its error (state stays running
// until the handler has undone the target side); the handler checks it between phases.
export const CANCEL_PREFIX = 'Cancelled by ';

export async function queueMigration(
  user: SessionUser,
  input: QueueMigration,
  opts: MigrationOptions = {},
): Promise<QueueMigrationResultDto> {
  const vm = await db().vm.findUnique({ where: { id: input.vmId }, select: { name: true } });
  await authorize(user, 'vm.migrate', { type: 'vm', id: input.vmId, name: vm?.name });
  return enqueueMigration(actorOf(user), input, opts);
}

// For callers that authorized the whole operation already (host maintenance, the balancer in
// automatic mode with SYSTEM_ACTOR): every check except the permission.
export async function enqueueMigration(
  actor: Actor,
  input: QueueMigration,
  opts: MigrationOptions = {},
): Promise<QueueMigrationResultDto> {
  const vm = await db().vm.findUnique({ where: { id: input.vmId }, include: { host: true } });
  if (!vm) throw noSuchObject('VM', input.vmId);
  const pinned = notMovableReason(vm);
  if (pinned) throw conflict(pinned, { vmId: vm.id, role: vm.role });
  if (vm.state !== VM_STATE.running) throw vmBadPowerState(vm.name, [VM_STATE.running], vm.state);
  const busy = await activeTaskFor(vm.id);
  if (busy) throw conflict(`VM ${vm.name} is busy with another task`, { taskId: busy });
  if (effectiveStatus(vm.host) === HOST_STATUS.offline)
    throw hostOffline(vm.host.name, vm.host.lastHeartbeat?.toISOString());
  const target = await resolveTarget(vm, input.targetHostId);
  // Evacuations (maintenance, hardware errors) must go whatever admission control says.
  if (input.reason === 'manual' || input.reason === 'balancer')
    await requireHaAdmission(`Migrating VM ${vm.name} to ${target.name}`, movingTo(target.id, vm));
  const targetRow = await db().host.findUniqueOrThrow({ where: { id: target.id } });
  const mode = await migrationModeFor(vm);
  const estimate = await buildEstimate(vm, targetRow, mode, opts);
  const { taskId, migrationId } = await db().$transaction(async (tx) => {
    const m = await tx.migration.create({
      data: {
        vmId: vm.id,
        vmName: vm.name,
        sourceHostId: vm.hostId,
        targetHostId: target.id,
        reason: input.reason,
        mode,
        estimate: JSON.stringify(estimate),
      },
    });
    const taskId = await enqueueTask(
      {
        kind: 'vm.migrate',
        title: `Migrate VM ${vm.name} from ${vm.host.name} to ${target.name}`,
        target: { type: 'vm', id: vm.id },
        payload: { vmId: vm.id, migrationId: m.id, ...opts },
        actor,
      },
      tx,
    );
    await tx.migration.update({ where: { id: m.id }, data: { taskId } });
    await tx.vm.update({ where: { id: vm.id }, data: { state: VM_STATE.migrating, lastError: null } });
    return { taskId, migrationId: m.id };
  });
  await recordAudit({
    actor,
    action: 'vm.migrate',
    target: { type: 'vm', id: vm.id, name: vm.name },
    result: 'accepted',
    detail: {
      taskId,
      migrationId,
      from: vm.host.name,
      to: target.name,
      mode,
      reason: input.reason,
      predictedDowntimeMs: estimate.predictedDowntimeMs,
    },
  });
  return { taskId, migrationId };
}

// Queued: cancelled at once. Running: the request is recorded and the source agent asked to
// cancel; the handler aborts the target side and leaves the VM running on the source.
export async function cancelMigration(
  user: SessionUser,
  migrationId: string,
): Promise<{ taskId: string | null; cancelled: 'now' | 'requested' }> {
  const m = await db().migration.findUnique({ where: { id: migrationId } });
  await authorize(user, 'vm.migrate', { type: 'vm', id: m?.vmId ?? null, name: m?.vmName }, 'vm.migrate.cancel');
  if (!m) throw noSuchObject('migration', migrationId);
  if (m.state !== MIGRATION_STATE.running)
    throw conflict(`Migration of ${m.vmName} is ${m.state}; only a running one can be cancelled`, { state: m.state });
  const actor = actorOf(user);
  const reason = `${CANCEL_PREFIX}${user.username}`;
  const now = new Date();
  const stillQueued = m.taskId
    ? (
        await db().task.updateMany({
          where: { id: m.taskId, state: TASK_STATE.queued },
          data: { state: TASK_STATE.cancelled, finishedAt: now, errorCode: 'CANCELLED', errorMessage: reason },
        })
      ).count === 1
    : false;
  if (stillQueued) {
    await db().$transaction([
      db().migration.update({
        where: { id: m.id },
        data: {
          state: MIGRATION_STATE.cancelled,
          error: reason,
          finishedAt: now,
          durationMs: now.getTime() - m.startedAt.getTime(),
        },
      }),
      db().vm.update({ where: { id: m.vmId }, data: { state: VM_STATE.running } }),
    ]);
  } else {
    await db().migration.update({ where: { id: m.id }, data: { error: reason } });
    try {
      await (await agentFor(m.sourceHostId)).cancelMigration(m.vmId);
    } catch (err) {
      // Not migrating yet (still preparing the target) or already switching over: the handler sees the request.
      if (m.taskId) await addStep(m.taskId, `Cancel requested; the source agent said: ${errorMessage(err)}`, 'warn');
    }
  }
  await recordAudit({
    actor,
    action: 'vm.migrate.cancel',
    target: { type: 'vm', id: m.vmId, name: m.vmName },
    result: 'accepted',
    detail: { migrationId, taskId: m.taskId },
  });
  return { taskId: m.taskId, cancelled: stillQueued ? 'now' : 'requested' };
}
