import 'server-only';
import { randomBytes } from 'node:crypto';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { requireHaAdmission, startingOn } from '@/lib/domain/ha/admission-check';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { VM_STATE, type VmState } from '@/lib/domain/vms/dto';
import { chooseHost } from '@/lib/domain/vms/service';
import { alreadyExists, conflict } from '@/lib/errors';
import {
  auditRefusal,
  newPointId,
  requireCapability,
  requireFree,
  requireNoClones,
  requireNotBranchPoint,
  snapshotOf,
  vmWithHost,
} from './checks';
import type { CloneAcceptedDto, TakeSnapshotAcceptedDto, TaskAcceptedDto } from './dto';
import type { CloneSnapshot, TakeSnapshot } from './schemas';

// Snapshot actions on one VM: each authorizes, checks (checks.ts), queues its task and audits;
// the handlers in lib/worker/handlers/snapshot-*.ts do the work on the agent.

const vmTarget = (vmId: string | null, name?: string | null) => ({ type: 'vm', id: vmId, name });
const nameOf = (vmId: string) =>
  db()
    .vm.findUnique({ where: { id: vmId }, select: { name: true } })
    .then((v) => v?.name);

export async function takeSnapshot(
  user: SessionUser,
  vmId: string,
  input: TakeSnapshot,
): Promise<TakeSnapshotAcceptedDto> {
  const action = input.memory ? 'snapshot.checkpoint' : 'snapshot.take';
  const target = vmTarget(vmId, await nameOf(vmId));
  await authorize(user, 'snapshot.manage', target, action);
  const actor = actorOf(user);
  return auditRefusal(actor, action, target, async () => {
    const vm = await vmWithHost(vmId);
    await requireFree(vm);
    await requireCapability(vm, input.memory ? 'memory' : 'disk');
    const snapshotId = newPointId('sn');
    const title = `${input.memory ? 'Checkpoint (with memory)' : 'Snapshot'} "${input.name}" of VM ${vm.name}`;
    const payload = {
      vmId,
      snapshotId,
      name: input.name,
      description: input.description || null,
      memory: input.memory,
      scheduleId: null,
    };
    const taskId = await enqueueTask({
      kind: 'snapshot.take',
      title,
      target: { type: 'vm', id: vmId },
      payload,
      actor,
    });
    await recordAudit({ actor, action, target, result: 'accepted', detail: { taskId, snapshotId, name: input.name } });
    return { taskId, snapshotId };
  });
}

export async function revertSnapshot(user: SessionUser, vmId: string, snapshotId: string): Promise<TaskAcceptedDto> {
  const target = vmTarget(vmId, await nameOf(vmId));
  await authorize(user, 'snapshot.manage', target, 'snapshot.revert');
  const actor = actorOf(user);
  return auditRefusal(actor, 'snapshot.revert', target, async () => {
    const vm = await vmWithHost(vmId);
    const s = await snapshotOf(vmId, snapshotId);
    await requireFree(vm);
    await requireCapability(vm, 'revert');
    const payload = { vmId, snapshotId, previousState: vm.state as VmState };
    const taskId = await enqueueTask({
      kind: 'snapshot.revert',
      title: `Revert VM ${vm.name} to "${s.name}"`,
      target: { type: 'vm', id: vmId },
      payload,
      actor,
    });
    await recordAudit({
      actor,
      action: 'snapshot.revert',
      target,
      result: 'accepted',
      detail: { taskId, snapshotId, name: s.name },
    });
    return { taskId };
  });
}

export async function deleteSnapshot(user: SessionUser, vmId: string, snapshotId: string): Promise<TaskAcceptedDto> {
  const target = vmTarget(vmId, await nameOf(vmId));
  await authorize(user, 'snapshot.manage', target, 'snapshot.delete');
  const actor = actorOf(user);
  return auditRefusal(actor, 'snapshot.delete', target, async () => {
    const vm = await vmWithHost(vmId);
    const s = await snapshotOf(vmId, snapshotId);
    await requireNoClones(s);
    await requireNotBranchPoint(s, vm);
    await requireFree(vm);
    const taskId = await enqueueTask({
      kind: 'snapshot.delete',
      title: `Delete snapshot "${s.name}" of VM ${vm.name}`,
      target: { type: 'vm', id: vmId },
      payload: { vmId, snapshotId },
      actor,
    });
    await recordAudit({
      actor,
      action: 'snapshot.delete',
      target,
      result: 'accepted',
      detail: { taskId, snapshotId, name: s.name },
    });
    return { taskId };
  });
}

// A linked clone: a new VM on the parent's host and pool whose disk is an overlay on the point's
// layer (no data copied). Its row is made now in 'provisioning', as vm create does; tags are not
// copied (a clone joining the parent's tag-selected backup jobs and groups unasked would surprise).
export async function cloneFromSnapshot(
  user: SessionUser,
  vmId: string,
  snapshotId: string,
  input: CloneSnapshot,
): Promise<CloneAcceptedDto> {
  const target = vmTarget(null, input.name);
  await authorize(user, 'snapshot.manage', target, 'vm.clone');
  const actor = actorOf(user);
  return auditRefusal(actor, 'vm.clone', target, async () => {
    const vm = await vmWithHost(vmId);
    const s = await snapshotOf(vmId, snapshotId);
    if (await db().vm.findUnique({ where: { name: input.name } })) throw alreadyExists('VM', input.name);
    await requireFree(vm);
    await requireCapability(vm, 'clone');
    if (input.start) {
      // room for it on the parent's host
      await chooseHost(vm.hostId, vm.memoryMiB, {
        site: vm.host.site,
        why: `VM ${vm.name} is in site ${vm.host.site}`,
      });
      await requireHaAdmission(
        `Starting linked clone ${input.name}`,
        startingOn(vm.hostId, { memoryMiB: vm.memoryMiB, haEnabled: false }),
      );
    }
    const cloneId = `vm-${randomBytes(4).toString('hex')}`;
    const taskId = await db().$transaction(async (tx) => {
      await tx.vm.create({
        data: {
          id: cloneId,
          name: input.name,
          hostId: vm.hostId,
          imageId: vm.imageId,
          state: VM_STATE.provisioning,
          vcpus: vm.vcpus,
          memoryMiB: vm.memoryMiB,
          diskSizeBytes: vm.diskSizeBytes,
          pool: vm.pool,
          cloneOfSnapshotId: s.id,
          createdBy: user.username,
        },
      });
      const title = `Linked clone ${input.name} of VM ${vm.name} at "${s.name}"`;
      return enqueueTask(
        {
          kind: 'vm.clone',
          title,
          target: { type: 'vm', id: cloneId },
          payload: { vmId: cloneId, snapshotId: s.id, start: input.start },
          actor,
        },
        tx,
      );
    });
    await recordAudit({
      actor,
      action: 'vm.clone',
      target: vmTarget(cloneId, input.name),
      result: 'accepted',
      detail: { taskId, from: vm.name, snapshotId, start: input.start },
    });
    return { taskId, vmId: cloneId };
  });
}

// Makes a linked clone independent: it copies what it reads from the parent's layers.
export async function detachClone(user: SessionUser, vmId: string): Promise<TaskAcceptedDto> {
  const target = vmTarget(vmId, await nameOf(vmId));
  await authorize(user, 'snapshot.manage', target, 'vm.detach-clone');
  const actor = actorOf(user);
  return auditRefusal(actor, 'vm.detach-clone', target, async () => {
    const vm = await vmWithHost(vmId);
    if (!vm.cloneOfSnapshotId)
      throw conflict(`VM ${vm.name} is not a linked clone; it depends on no other VM`, { vmId });
    await requireFree(vm);
    const taskId = await enqueueTask({
      kind: 'vm.detach-clone',
      title: `Make linked clone ${vm.name} independent`,
      target: { type: 'vm', id: vmId },
      payload: { vmId },
      actor,
    });
    await recordAudit({
      actor,
      action: 'vm.detach-clone',
      target,
      result: 'accepted',
      detail: { taskId, snapshotId: vm.cloneOfSnapshotId },
    });
    return { taskId };
  });
}
