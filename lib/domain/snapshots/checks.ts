import 'server-only';
import { randomBytes } from 'node:crypto';
import type { PointCapabilities, VmPoints } from '@/lib/agent-protocol/snapshots';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import { noPointsReason } from '@/lib/domain/dr/roles';
import { agentFor } from '@/lib/domain/hosts/agents';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { tryParseTaskPayload, type TaskKind } from '@/lib/domain/tasks/kinds';
import { activeTaskFor } from '@/lib/domain/tasks/service';
import { VM_STATE, type VmState } from '@/lib/domain/vms/dto';
import {
  AppError,
  conflict,
  hostOffline,
  noSuchObject,
  pointInUse,
  pointUnsupported,
  vmBadPowerState,
} from '@/lib/errors';
import { memberIds } from './group-queries';

// The checks every snapshot action makes before it queues a task (docs/ARCHITECTURE.md,
// "Snapshots and checkpoints"): the VM exists, its host is online, nothing else works on it, and
// its agent says the action can happen now (capabilities, with the reason for a "no").

export type AuditTarget = { type: string; id: string | null; name?: string | null };

// Point ids name files in the VM directory (pointIdSchema: lowercase, 3..63 chars).
export const newPointId = (prefix: 'sn' | 'cg') => `${prefix}-${randomBytes(6).toString('hex')}`;

// A VM the snapshot actions can work on: powered (on or off), not in a transient state.
const SETTLED: VmState[] = [VM_STATE.running, VM_STATE.paused, VM_STATE.stopped, VM_STATE.crashed];

export async function vmWithHost(vmId: string) {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  return vm;
}
export type VmWithHost = Awaited<ReturnType<typeof vmWithHost>>;

// Host online, not migrating, no other task on it, a settled state. Each refusal names the VM.
export async function requireFree(vm: VmWithHost): Promise<void> {
  const replica = noPointsReason(vm, 'snapshots');
  if (replica) throw conflict(replica, { vmId: vm.id, role: vm.role });
  if (effectiveStatus(vm.host) === HOST_STATUS.offline) {
    const e = hostOffline(vm.host.name, vm.host.lastHeartbeat?.toISOString());
    throw new AppError(e.code, `VM ${vm.name}: ${e.message}`, e.status, { ...e.data, vmId: vm.id });
  }
  const busy = (await activeTaskFor(vm.id)) ?? (await groupTaskOn(vm.id));
  if (busy) {
    const task = await db().task.findUnique({ where: { id: busy }, select: { title: true } });
    const what = vm.state === VM_STATE.migrating ? 'is migrating' : 'is busy with another task';
    throw conflict(`VM ${vm.name} ${what}: "${task?.title ?? busy}"; wait for it to finish`, {
      vmId: vm.id,
      taskId: busy,
    });
  }
  if (!SETTLED.includes(vm.state as VmState)) throw vmBadPowerState(vm.name, SETTLED, vm.state);
}

// A group checkpoint task targets its group, not the VMs: one whose members include this VM.
const GROUP_KINDS: TaskKind[] = ['checkpoint-group.take', 'checkpoint-group.restore', 'checkpoint-group.delete'];
async function groupTaskOn(vmId: string): Promise<string | null> {
  const tasks = await db().task.findMany({
    where: { kind: { in: GROUP_KINDS }, state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
    select: { id: true, kind: true, payload: true, targetId: true },
  });
  for (const t of tasks) {
    const take = t.kind === 'checkpoint-group.take' ? tryParseTaskPayload('checkpoint-group.take', t.payload) : null;
    const group = take
      ? null
      : await db().checkpointGroup.findUnique({ where: { id: t.targetId ?? '' }, select: { vmIds: true } });
    const members = take?.ok ? take.payload.vmIds : group ? memberIds(group) : [];
    if (members.includes(vmId)) return t.id;
  }
  return null;
}

const CAPABILITY_WORDS: Record<keyof PointCapabilities, string> = {
  disk: 'take a snapshot',
  memory: 'take a checkpoint with memory',
  revert: 'revert to a snapshot',
  clone: 'make a linked clone',
};

// Asks the VM's agent (its real configuration decides); "no" -> 409 POINT_UNSUPPORTED with its reason.
export async function requireCapability(vm: VmWithHost, capability: keyof PointCapabilities): Promise<VmPoints> {
  const points = await (await agentFor(vm.hostId, { timeoutMs: 10_000 })).vmPoints(vm.id);
  const c = points.capabilities[capability];
  if (!c.ok) throw pointUnsupported(vm.name, CAPABILITY_WORDS[capability], c.reason ?? 'the agent gave no reason');
  return points;
}

export async function snapshotOf(vmId: string, snapshotId: string) {
  const s = await db().snapshot.findUnique({ where: { id: snapshotId } });
  if (!s || s.vmId !== vmId) throw noSuchObject('snapshot', snapshotId);
  return s;
}

// Linked clones whose disks sit on any of these snapshots' layers.
export async function clonesOf(snapshotIds: string[]) {
  if (!snapshotIds.length) return [];
  return db().vm.findMany({
    where: { cloneOfSnapshotId: { in: snapshotIds } },
    select: { id: true, name: true, cloneOfSnapshotId: true },
    orderBy: { name: 'asc' },
  });
}

export async function requireNoClones(snapshot: { id: string; name: string }): Promise<void> {
  const clones = await clonesOf([snapshot.id]);
  if (clones.length) {
    const names = clones.map((c) => c.name).join(', ');
    throw pointInUse(snapshot.id, `linked clones depend on it (${names}); delete them or make them independent first`, {
      clones: clones.map((c) => ({ vmId: c.id, vmName: c.name })),
    });
  }
}

// VM delete: its snapshots' layers go with it, so linked clones on any of them refuse it.
export async function requireNoDependentClones(vm: { id: string; name: string }): Promise<void> {
  const ids = (await db().snapshot.findMany({ where: { vmId: vm.id }, select: { id: true } })).map((s) => s.id);
  const clones = await clonesOf(ids);
  if (!clones.length) return;
  const names = clones.map((c) => c.name).join(', ');
  throw pointInUse(
    clones[0].cloneOfSnapshotId!,
    `VM ${vm.name} cannot be deleted while linked clones depend on its snapshots (${names}); make them independent or delete them first`,
    {
      vmId: vm.id,
      clones: clones.map((c) => ({ vmId: c.id, vmName: c.name, snapshotId: c.cloneOfSnapshotId })),
    },
  );
}

// A snapshot's frozen layer has one child per later point taken from it, plus the VM's running
// layer when the VM sits on it: deleting merges the one child into it, so two or more refuse.
export async function requireNotBranchPoint(
  snapshot: { id: string },
  vm: { currentSnapshotId: string | null },
): Promise<void> {
  const children =
    (await db().snapshot.count({ where: { parentId: snapshot.id } })) + (vm.currentSnapshotId === snapshot.id ? 1 : 0);
  if (children >= 2)
    throw pointInUse(snapshot.id, `it is the branch point of ${children} branches: delete the other branch first`, {
      branches: children,
    });
}

// Runs the checks of a request; a coded refusal is audited as 'denied' with its reason, then thrown.
export async function auditRefusal<T>(
  actor: Actor,
  action: string,
  target: AuditTarget,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError)
      await recordAudit({ actor, action, target, result: 'denied', detail: { code: err.code, reason: err.message } });
    throw err;
  }
}
