import 'server-only';
import { randomBytes } from 'node:crypto';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { failedVerifyState } from '@/lib/domain/backups/dto';
import { requireHaAdmission, startingOn } from '@/lib/domain/ha/admission-check';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import type { TaskKind } from '@/lib/domain/tasks/kinds';
import { activeTaskFor, enqueueTask } from '@/lib/domain/tasks/service';
import { VM_STATE, type VmState } from '@/lib/domain/vms/dto';
import { chooseHost } from '@/lib/domain/vms/service';
import { conflict, failedVerification, hostOffline, invalidInput, noSuchObject, vmBadPowerState } from '@/lib/errors';
import type { RestoreAcceptedDto } from './dto';
import { pointForRestore, type PointForRestore } from './queries';
import type { RestoreRequest } from './schemas';

export const RESTORE_TASK = 'vm.restore' satisfies TaskKind;
const REPLACE_FROM: VmState[] = [VM_STATE.running, VM_STATE.paused, VM_STATE.stopped, VM_STATE.crashed];

const when = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

// POST /api/restore-points/:id/restore. A point whose last verification failed is restored only
// with acceptFailedVerification (else 409 FAILED_VERIFICATION, audited as denied). 'new' creates
// a VM row in 'provisioning' on the chosen host (as vm create does) and queues vm.restore;
// 'replace' queues it on the point's own VM after the caller typed its name. The handler
// (lib/worker/handlers/restore-vm.ts) does the work.
export async function restorePoint(
  user: SessionUser,
  pointId: string,
  input: RestoreRequest,
): Promise<RestoreAcceptedDto> {
  const row = await db().restorePoint.findUnique({ where: { id: pointId }, select: { vmName: true } });
  await authorize(user, 'backup.restore', { type: 'restore-point', id: pointId, name: row?.vmName }, RESTORE_TASK);
  const p = await pointForRestore(pointId);
  // A safety point only guards the restore that made it, and its file goes with that restore.
  if (p.point.kind === 'safety')
    throw conflict('A safety point exists only while its restore runs; restore from a backup point', { pointId });
  if (failedVerifyState(p.point.verifyState) && !input.acceptFailedVerification) {
    const { verifyState, verifyMessage } = p.point;
    await recordAudit({
      actor: actorOf(user),
      action: RESTORE_TASK,
      target: { type: 'restore-point', id: pointId, name: p.point.vmName },
      result: 'denied',
      detail: { reason: 'failed verification not accepted', verifyState, mode: input.mode },
    });
    throw failedVerification(pointId, verifyState, verifyMessage);
  }
  return input.mode === 'new' ? restoreAsNew(user, p, input) : restoreInPlace(user, p, input);
}

// In the accepted restore's audit: that it overrode a failed verification.
const overrideOf = (point: PointForRestore['point']) =>
  failedVerifyState(point.verifyState) ? { acceptedFailedVerification: point.verifyState } : {};

async function restoreAsNew(
  user: SessionUser,
  { point, spec, readableOnlyOn, scope }: PointForRestore,
  input: RestoreRequest,
): Promise<RestoreAcceptedDto> {
  const name = input.name!; // the schema requires it for 'new'
  if (await db().vm.findUnique({ where: { name } }))
    throw invalidInput({ name: [`A VM named "${name}" already exists`] });
  if (readableOnlyOn && input.hostId !== 'best' && input.hostId !== readableOnlyOn) {
    const only = await db().host.findUnique({ where: { id: readableOnlyOn } });
    throw invalidInput({ hostId: [`Only host ${only?.name ?? readableOnlyOn} can read this restore point's file`] });
  }
  const host = await chooseHost(
    readableOnlyOn ?? (input.hostId === 'best' ? 'auto' : input.hostId),
    spec.memoryMiB,
    scope,
  );
  await requireHaAdmission(
    `Restoring ${name} as a new VM`,
    startingOn(host.id, { memoryMiB: spec.memoryMiB, haEnabled: false }),
  );
  const image = spec.imageId ? await db().image.findUnique({ where: { id: spec.imageId } }) : null;
  const vmId = `vm-${randomBytes(4).toString('hex')}`;
  const actor = actorOf(user);
  const taskId = await db().$transaction(async (tx) => {
    await tx.vm.create({
      data: {
        id: vmId,
        name,
        hostId: host.id,
        imageId: image?.id ?? null,
        state: VM_STATE.provisioning,
        vcpus: spec.vcpus,
        memoryMiB: spec.memoryMiB,
        diskSizeBytes: point.virtualSizeBytes,
        tags: JSON.stringify(spec.tags),
        createdBy: user.username,
      },
    });
    const title = `Restore ${point.vmName} (${when(point.takenAt)}) as new VM ${name} on ${host.name} (site ${scope.site})${input.instant ? ', instant' : ''}`;
    return enqueueTask(
      {
        kind: RESTORE_TASK,
        title,
        target: { type: 'vm', id: vmId },
        payload: { vmId, pointId: point.id, mode: 'new', instant: input.instant },
        actor,
      },
      tx,
    );
  });
  await recordAudit({
    actor,
    action: RESTORE_TASK,
    target: { type: 'vm', id: vmId, name },
    result: 'accepted',
    detail: {
      taskId,
      pointId: point.id,
      from: point.vmName,
      takenAt: point.takenAt.toISOString(),
      mode: 'new',
      instant: input.instant,
      host: host.name,
      site: scope.site,
      ...overrideOf(point),
    },
  });
  return { taskId, vmId };
}

async function restoreInPlace(
  user: SessionUser,
  { point, readableOnlyOn }: PointForRestore,
  input: RestoreRequest,
): Promise<RestoreAcceptedDto> {
  const vm = await db().vm.findUnique({ where: { id: point.vmId }, include: { host: true } });
  if (!vm) throw noSuchObject('VM', `${point.vmName} (${point.vmId}); restore this point as a new VM`);
  if (input.confirmName !== vm.name) throw invalidInput({ confirmName: [`Type the VM's name, ${vm.name}, exactly`] });
  if (effectiveStatus(vm.host) === HOST_STATUS.offline)
    throw hostOffline(vm.host.name, vm.host.lastHeartbeat?.toISOString());
  if (readableOnlyOn && readableOnlyOn !== vm.hostId)
    throw conflict(
      `The VM's host ${vm.host.name} cannot read this restore point's file; restore it as a new VM instead`,
      { pointId: point.id },
    );
  const busy = await activeTaskFor(vm.id);
  if (busy) throw conflict(`VM ${vm.name} is busy with another task`, { taskId: busy });
  if (!REPLACE_FROM.includes(vm.state as VmState)) throw vmBadPowerState(vm.name, REPLACE_FROM, vm.state);
  const actor = actorOf(user);
  const on = vm.state === VM_STATE.running || vm.state === VM_STATE.paused;
  const taskId = await db().$transaction(async (tx) => {
    await tx.vm.update({ where: { id: vm.id }, data: { state: on ? VM_STATE.stopping : vm.state, lastError: null } });
    const title = `Replace the disk of VM ${vm.name} with its restore point of ${when(point.takenAt)}`;
    const payload = {
      vmId: vm.id,
      pointId: point.id,
      mode: 'replace' as const,
      instant: input.instant,
      previousState: vm.state as VmState,
    };
    return enqueueTask({ kind: RESTORE_TASK, title, target: { type: 'vm', id: vm.id }, payload, actor }, tx);
  });
  await recordAudit({
    actor,
    action: RESTORE_TASK,
    target: { type: 'vm', id: vm.id, name: vm.name },
    result: 'accepted',
    detail: {
      taskId,
      pointId: point.id,
      takenAt: point.takenAt.toISOString(),
      mode: 'replace',
      instant: input.instant,
      ...overrideOf(point),
    },
  });
  return { taskId, vmId: vm.id };
}
