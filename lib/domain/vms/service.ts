import 'server-only';
import { randomBytes } from 'node:crypto';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { Action } from '@/lib/auth/permissions';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus, hostInclude, toPlacementHost } from '@/lib/domain/hosts/queries';
import { agentFor } from '@/lib/domain/hosts/agents';
import { requireHaAdmission, startingOn } from '@/lib/domain/ha/admission-check';
import { reserveFailoverHosts } from '@/lib/domain/ha/policy';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor, enqueueTask } from '@/lib/domain/tasks/service';
import {
  alreadyExists,
  conflict,
  hostOffline,
  invalidInput,
  noHostAvailable,
  noSuchObject,
  vmBadPowerState,
} from '@/lib/errors';
import { requireDeletable, requireStartable } from '@/lib/domain/dr/vm-rules';
import type { Vm } from '@/lib/generated/prisma/client';
import { VM_STATE, type VmAction, type VmState } from './dto';
import { placeVm, requireRoom, requireSite, type SiteScope } from './placement';
import type { CreateVm } from './schemas';

const GiB = 1024 ** 3;

// Which states each action may start from; anything else is a 409 with both states named.
const ACTION_FROM: Record<VmAction, VmState[]> = {
  start: [VM_STATE.stopped, VM_STATE.crashed],
  stop: [VM_STATE.running, VM_STATE.paused],
  'force-stop': [VM_STATE.running, VM_STATE.paused, VM_STATE.stopping, VM_STATE.crashed, VM_STATE.error],
  restart: [VM_STATE.running],
};
const ACTION_TRANSIENT: Record<VmAction, VmState> = {
  start: VM_STATE.starting,
  stop: VM_STATE.stopping,
  'force-stop': VM_STATE.stopping,
  restart: VM_STATE.starting,
};

// A named host, or ('auto') the emptiest host of the scope's site: storage and images are per
// site, so a VM is never placed on a host of another site (a named one is 409 with the reason).
export async function chooseHost(hostId: string, memoryMiB: number, scope: SiteScope) {
  const hosts = await reserveFailoverHosts((await db().host.findMany({ include: hostInclude })).map(toPlacementHost));
  if (hostId !== 'auto') {
    const h = hosts.find((x) => x.id === hostId);
    if (!h) throw noSuchObject('host', hostId);
    return requireRoom(requireSite(h, scope), memoryMiB);
  }
  const r = placeVm(hosts, memoryMiB, scope.site);
  if (r.ok) return r.host;
  throw r.reason === 'none-online'
    ? noHostAvailable(memoryMiB, `no host of site ${scope.site} is online`)
    : noHostAvailable(memoryMiB, `the emptiest host, ${r.best!.host.name}, has ${r.best!.freeMiB} MiB free`);
}

export async function createVm(user: SessionUser, input: CreateVm): Promise<{ taskId: string; vmId: string }> {
  await authorize(user, 'vm.create', { type: 'vm', id: null, name: input.name });
  if (await db().vm.findUnique({ where: { name: input.name } })) throw alreadyExists('VM', input.name);
  const image = await db().image.findUnique({ where: { id: input.imageId } });
  if (!image) throw noSuchObject('image', input.imageId);
  if (image.status !== 'ready')
    throw conflict(`Image ${image.name} ${image.version} is ${image.status}, not ready`, { imageId: image.id });
  // Below its declared minimum the guest never gets to its ready line: refuse up front.
  if (image.minMemoryMiB !== null && input.memoryMiB < image.minMemoryMiB) {
    const message = `Image ${image.name} ${image.version} needs at least ${image.minMemoryMiB} MiB`;
    throw invalidInput({ memoryMiB: [message] }, message);
  }
  const diskSizeBytes = Math.max(Math.round(input.diskSizeGiB * GiB), Number(image.virtualSizeBytes));
  const host = await chooseHost(input.hostId, input.memoryMiB, {
    site: image.site,
    why: `Image ${image.name} ${image.version} lives in site ${image.site}`,
  });
  await requireHaAdmission(`Creating VM ${input.name}`, startingOn(host.id, input));
  const vmId = `vm-${randomBytes(4).toString('hex')}`;
  const actor = actorOf(user);
  const taskId = await db().$transaction(async (tx) => {
    await tx.vm.create({
      data: {
        id: vmId,
        name: input.name,
        hostId: host.id,
        imageId: image.id,
        state: VM_STATE.provisioning,
        vcpus: input.vcpus,
        memoryMiB: input.memoryMiB,
        diskSizeBytes: BigInt(diskSizeBytes),
        haEnabled: input.haEnabled,
        pool: input.pool ?? (input.haEnabled ? 'shared' : 'local'),
        tags: JSON.stringify(input.tags),
        createdBy: user.username,
      },
    });
    return enqueueTask(
      {
        kind: 'vm.create',
        title: `Create VM ${input.name} on ${host.name}`,
        target: { type: 'vm', id: vmId },
        payload: { vmId },
        actor,
      },
      tx,
    );
  });
  await recordAudit({
    actor,
    action: 'vm.create',
    target: { type: 'vm', id: vmId, name: input.name },
    result: 'accepted',
    detail: {
      taskId,
      host: host.name,
      image: `${image.name} ${image.version}`,
      vcpus: input.vcpus,
      memoryMiB: input.memoryMiB,
      placement: input.hostId === 'auto' ? 'auto' : 'chosen',
      site: image.site,
    },
  });
  return { taskId, vmId };
}

type QueuedOperation = {
  permission: Action;
  operation: `vm.${VmAction}` | 'vm.delete'; // the task kind and the audited action, e.g. vm.stop
  title: (vmName: string) => string;
  transient: VmState; // shown until the task settles the VM
  allowedFrom?: VmState[];
  check?: (vm: Vm) => Promise<void>; // refusals of this action only
};

// Every action on an existing VM: authorize, check it can happen now, move the VM to its
// transient state and queue the task in one transaction, audit. The agent is needed, so an
// offline host is refused at once (503) rather than queuing a task bound to fail.
async function queueVmOperation(user: SessionUser, id: string, op: QueuedOperation): Promise<{ taskId: string }> {
  const vm = await db().vm.findUnique({ where: { id }, include: { host: true } });
  await authorize(user, op.permission, { type: 'vm', id, name: vm?.name }, op.operation);
  if (!vm) throw noSuchObject('VM', id);
  if (effectiveStatus(vm.host) === HOST_STATUS.offline)
    throw hostOffline(vm.host.name, vm.host.lastHeartbeat?.toISOString());
  const busy = await activeTaskFor(id);
  if (busy) throw conflict(`VM ${vm.name} is busy with another task`, { taskId: busy });
  if (op.allowedFrom && !op.allowedFrom.includes(vm.state as VmState))
    throw vmBadPowerState(vm.name, op.allowedFrom, vm.state);
  await op.check?.(vm);
  // A crashed HA VM is counted as protected already; only its memory comes back into use.
  if (op.operation === 'vm.start')
    await requireHaAdmission(
      `Starting VM ${vm.name}`,
      startingOn(vm.hostId, { memoryMiB: vm.memoryMiB, haEnabled: vm.haEnabled && vm.state === VM_STATE.stopped }),
    );
  const actor = actorOf(user);
  const taskId = await db().$transaction(async (tx) => {
    await tx.vm.update({ where: { id }, data: { state: op.transient, lastError: null } });
    return enqueueTask(
      {
        kind: op.operation,
        title: op.title(vm.name),
        target: { type: 'vm', id },
        payload: { vmId: id, previousState: vm.state as VmState },
        actor,
      },
      tx,
    );
  });
  await recordAudit({
    actor,
    action: op.operation,
    target: { type: 'vm', id, name: vm.name },
    result: 'accepted',
    detail: { taskId },
  });
  return { taskId };
}

export function runVmAction(user: SessionUser, id: string, action: VmAction): Promise<{ taskId: string }> {
  const verb = `${action[0].toUpperCase()}${action.slice(1).replace('-', ' ')}`;
  return queueVmOperation(user, id, {
    permission: 'vm.operate',
    operation: `vm.${action}`,
    title: (name) => `${verb} VM ${name}`,
    transient: ACTION_TRANSIENT[action],
    allowedFrom: ACTION_FROM[action],
    check: action === 'start' ? requireStartable : undefined,
  });
}

export function deleteVm(user: SessionUser, id: string): Promise<{ taskId: string }> {
  return queueVmOperation(user, id, {
    permission: 'vm.delete',
    operation: 'vm.delete',
    title: (name) => `Delete VM ${name}`,
    transient: VM_STATE.deleting,
    check: requireDeletable,
  });
}

export async function readVmConsole(id: string, lines: number): Promise<{ lines: string[]; partial: string }> {
  const vm = await db().vm.findUnique({ where: { id } });
  if (!vm) throw noSuchObject('VM', id);
  if (vm.state === VM_STATE.provisioning) return { lines: [], partial: '' };
  const agent = await agentFor(vm.hostId);
  return agent.console(id, lines);
}
