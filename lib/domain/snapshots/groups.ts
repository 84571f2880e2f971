import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { selectableVms } from '@/lib/domain/backups/queries';
import { matchVms, missingVmIds } from '@/lib/domain/backups/selector';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor, enqueueTask } from '@/lib/domain/tasks/service';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { conflict, invalidInput, noSuchObject, pointInUse, vmBadPowerState } from '@/lib/errors';
import { auditRefusal, clonesOf, newPointId, requireCapability, requireFree, vmWithHost } from './checks';
import type { GroupAcceptedDto, TaskAcceptedDto } from './dto';
import type { CreateGroup } from './schemas';

// Multi-VM checkpoints: members resolved now (by hand and/or by tag), each checked before anything
// is queued (a refusal names the VM); the worker pauses them all at one instant
// (lib/worker/handlers/checkpoint-group-take.ts). The group row is written only on success.

export const GROUP_TARGET = 'checkpoint-group';
const target = (id: string | null, name?: string | null) => ({ type: GROUP_TARGET, id, name });

export async function createGroupCheckpoint(user: SessionUser, input: CreateGroup): Promise<GroupAcceptedDto> {
  await authorize(user, 'snapshot.manage', target(null, input.name), 'checkpoint-group.take');
  const actor = actorOf(user);
  return auditRefusal(actor, 'checkpoint-group.take', target(null, input.name), async () => {
    const selector = { vmIds: input.vmIds ?? [], tags: input.tags ?? [] };
    const all = await selectableVms();
    const missing = missingVmIds(selector, all);
    if (missing.length) throw noSuchObject('VM', missing.join(', '));
    const members = matchVms(selector, all);
    if (!members.length) throw invalidInput({ tags: ['No VM carries these tags'] }, 'The group has no member');
    if (members.length > 256) throw invalidInput({ vmIds: [`${members.length} VMs; at most 256 in one group`] });
    // One at a time: the refusal names the first member that cannot take part.
    for (const m of members) {
      const vm = await vmWithHost(m.id);
      await requireFree(vm);
      // Every member stops at the instant: only running VMs take part.
      if (vm.state !== VM_STATE.running) throw vmBadPowerState(vm.name, [VM_STATE.running], vm.state);
      await requireCapability(vm, input.memory ? 'memory' : 'disk');
    }
    const groupId = newPointId('cg');
    const vmIds = members.map((m) => m.id);
    const title = `Group ${input.memory ? 'checkpoint' : 'snapshot'} "${input.name}" of ${vmIds.length} VM${vmIds.length === 1 ? '' : 's'}`;
    const taskId = await enqueueTask({
      kind: 'checkpoint-group.take',
      title,
      target: { type: GROUP_TARGET, id: groupId },
      payload: { groupId, name: input.name, memory: input.memory, vmIds },
      actor,
    });
    await recordAudit({
      actor,
      action: 'checkpoint-group.take',
      target: target(groupId, input.name),
      result: 'accepted',
      detail: { taskId, vms: members.map((m) => m.name), memory: input.memory },
    });
    return { taskId, groupId };
  });
}

async function groupWithMembers(groupId: string) {
  const group = await db().checkpointGroup.findUnique({ where: { id: groupId } });
  if (!group) throw noSuchObject('checkpoint group', groupId);
  const snapshots = await db().snapshot.findMany({ where: { groupId }, orderBy: { vmId: 'asc' } });
  return { group, snapshots };
}

async function requireGroupIdle(group: { id: string; name: string }) {
  const busy = await activeTaskFor(group.id);
  if (busy)
    throw conflict(`Checkpoint group ${group.name} is busy with another task; wait for it to finish`, { taskId: busy });
}

// Every member goes back to the group's instant; all resume together.
export async function restoreGroup(user: SessionUser, groupId: string): Promise<TaskAcceptedDto> {
  const row = await db().checkpointGroup.findUnique({ where: { id: groupId }, select: { name: true } });
  await authorize(user, 'snapshot.manage', target(groupId, row?.name), 'checkpoint-group.restore');
  const actor = actorOf(user);
  return auditRefusal(actor, 'checkpoint-group.restore', target(groupId, row?.name), async () => {
    const { group, snapshots } = await groupWithMembers(groupId);
    if (!snapshots.length) throw conflict(`Checkpoint group ${group.name} has no member snapshot left`, { groupId });
    await requireGroupIdle(group);
    for (const s of snapshots) {
      const vm = await vmWithHost(s.vmId);
      await requireFree(vm);
      await requireCapability(vm, 'revert');
    }
    const taskId = await enqueueTask({
      kind: 'checkpoint-group.restore',
      title: `Restore group checkpoint "${group.name}" (${snapshots.length} VMs)`,
      target: { type: GROUP_TARGET, id: groupId },
      payload: { groupId },
      actor,
    });
    await recordAudit({
      actor,
      action: 'checkpoint-group.restore',
      target: target(groupId, group.name),
      result: 'accepted',
      detail: { taskId, vmIds: snapshots.map((s) => s.vmId) },
    });
    return { taskId };
  });
}

// Deletes every member snapshot (a merge on each agent), then the group.
export async function deleteGroup(user: SessionUser, groupId: string): Promise<TaskAcceptedDto> {
  const row = await db().checkpointGroup.findUnique({ where: { id: groupId }, select: { name: true } });
  await authorize(user, 'snapshot.manage', target(groupId, row?.name), 'checkpoint-group.delete');
  const actor = actorOf(user);
  return auditRefusal(actor, 'checkpoint-group.delete', target(groupId, row?.name), async () => {
    const { group, snapshots } = await groupWithMembers(groupId);
    const clones = await clonesOf(snapshots.map((s) => s.id));
    if (clones.length) {
      const names = clones.map((c) => c.name).join(', ');
      throw pointInUse(
        groupId,
        `linked clones depend on its snapshots (${names}); delete them or make them independent first`,
        { clones: clones.map((c) => ({ vmId: c.id, vmName: c.name })) },
      );
    }
    await requireGroupIdle(group);
    for (const s of snapshots) await requireFree(await vmWithHost(s.vmId));
    const taskId = await enqueueTask({
      kind: 'checkpoint-group.delete',
      title: `Delete group checkpoint "${group.name}"`,
      target: { type: GROUP_TARGET, id: groupId },
      payload: { groupId },
      actor,
    });
    await recordAudit({
      actor,
      action: 'checkpoint-group.delete',
      target: target(groupId, group.name),
      result: 'accepted',
      detail: { taskId },
    });
    return { taskId };
  });
}
