import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { currentPlacementRules, migrationModeFor } from '@/lib/domain/migrations/target';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor } from '@/lib/domain/tasks/service';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { VM_STATE, type VmDto, type VmState } from '@/lib/domain/vms/dto';
import { getVm } from '@/lib/domain/vms/queries';
import { conflict, errorMessage, invalidInput, leaseHeld, noHostAvailable, noSuchObject } from '@/lib/errors';
import type { Host, Vm } from '@/lib/generated/prisma/client';
import { requireHaAdmission } from './admission-check';
import type { HaPolicyDto, HaRestartDto, HaRestartState } from './dto';
import { recordHaEvent } from './events';
import { getHaPolicy, HA_POLICY_ID, toHaPolicyDto } from './policy';
import { ACTIVE_RESTART_STATES, MEANT_TO_RUN, toRestartDto } from './queries';
import { planRestarts } from './restart-plan';
import { failedAtOf, restartTargets, startRestart, toPlanRestart } from './restarts';
import type { FailoverInput, HaPolicy, VmHaInput } from './schemas';

const POLICY_TARGET = { type: 'cluster', id: HA_POLICY_ID, name: 'HA policy' };

export async function updateHaPolicy(user: SessionUser, input: HaPolicy): Promise<HaPolicyDto> {
  await authorize(user, 'ha.manage', POLICY_TARGET, 'ha.policy.update');
  const hosts = await db().host.findMany({ select: { id: true, name: true } });
  const known = new Set(hosts.map((h) => h.id));
  const unknown = input.failoverHostIds.filter((id) => !known.has(id));
  if (unknown.length) throw invalidInput({ failoverHostIds: [`No such host: ${unknown.join(', ')}`] });
  if (input.admission === 'failover-hosts' && input.failoverHostIds.length >= hosts.length)
    throw invalidInput({ failoverHostIds: ['Keep at least one host for running VMs'] });
  const data = { ...input, failoverHostIds: JSON.stringify(input.failoverHostIds), updatedAt: new Date() };
  const row = await db().haPolicy.upsert({
    where: { id: HA_POLICY_ID },
    create: { id: HA_POLICY_ID, ...data },
    update: data,
  });
  const dto = toHaPolicyDto(row);
  const names = dto.failoverHostIds.map((id) => hosts.find((h) => h.id === id)!.name);
  const words = `${dto.enabled ? 'enabled' : 'disabled'}, admission ${dto.admission}${dto.admission === 'tolerate' ? ` ${dto.hostFailuresToTolerate}` : ''}${names.length ? `, failover hosts ${names.join(', ')}` : ''}, EDAC threshold ${dto.edacThreshold}`;
  await recordHaEvent({
    kind: 'policy-changed',
    message: `${user.username} set the HA policy: ${words}`,
    data: { ...input },
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'ha.policy.update',
    target: POLICY_TARGET,
    result: 'succeeded',
    detail: { ...input },
  });
  return dto;
}

// HA on needs the VM's disk on shared storage (another host must be able to start it), and
// passes admission control when the VM runs. Turning it off cancels a restart still pending.
export async function setVmHa(user: SessionUser, vmId: string, input: VmHaInput): Promise<VmDto> {
  const vm = await db().vm.findUnique({ where: { id: vmId } });
  await authorize(user, 'vm.ha', { type: 'vm', id: vmId, name: vm?.name }, 'vm.ha.update');
  if (!vm) throw noSuchObject('VM', vmId);
  if (input.enabled && (await migrationModeFor(vm)) !== 'shared')
    throw conflict(
      `VM ${vm.name}'s disk is in the ${vm.pool} pool, which only its host reaches: HA needs the disk on shared storage`,
      { pool: vm.pool },
    );
  if (input.enabled && !vm.haEnabled && MEANT_TO_RUN.includes(vm.state as VmState))
    await requireHaAdmission(`Turning HA on for ${vm.name}`, [{ hostId: vm.hostId, usedMiB: 0, haMiB: vm.memoryMiB }]);
  await db().$transaction(async (tx) => {
    await tx.vm.update({
      where: { id: vmId },
      data: { haEnabled: input.enabled, haPriority: input.priority, haOrder: input.order },
    });
    if (!input.enabled)
      await tx.haRestart.updateMany({
        where: { vmId, state: 'pending', manual: false },
        data: { state: 'cancelled', reason: `HA turned off by ${user.username}` },
      });
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'vm.ha.update',
    target: { type: 'vm', id: vmId, name: vm.name },
    result: 'succeeded',
    detail: { ...input },
  });
  return getVm(vmId);
}

// "Restart on host X" for a VM whose host has failed (its lease expired as a peer saw it): any
// VM, HA on or not. Refused with 409 LEASE_HELD while the host is not failed: it may be alive.
export async function requestFailover(
  user: SessionUser,
  vmId: string,
  input: FailoverInput,
): Promise<{ taskId: string; restartId: string }> {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true } });
  await authorize(user, 'vm.ha', { type: 'vm', id: vmId, name: vm?.name }, 'vm.failover');
  if (!vm) throw noSuchObject('VM', vmId);
  try {
    return await failover(user, vm, input);
  } catch (err) {
    // A refused failover is worth a trace too: who tried to restart what, and why it was refused.
    await recordAudit({
      actor: actorOf(user),
      action: 'vm.failover',
      target: { type: 'vm', id: vmId, name: vm.name },
      result: 'failed',
      detail: { targetHostId: input.targetHostId, error: errorMessage(err) },
    });
    throw err;
  }
}

async function failover(
  user: SessionUser,
  vm: Vm & { host: Host },
  input: FailoverInput,
): Promise<{ taskId: string; restartId: string }> {
  const vmId = vm.id;
  const hostState = await db().haHostState.findUnique({ where: { hostId: vm.hostId } });
  if (hostState?.state !== 'failed')
    throw leaseHeld(
      vm.host.name,
      `host ${vm.host.name} is ${hostState?.state ?? 'online'}${hostState?.reason ? ` (${hostState.reason})` : ''}; only a VM of a failed host can be restarted elsewhere`,
      {
        unchangedForMs: hostState?.leaseAgeMs ?? null,
      },
    );
  const active = await db().haRestart.findFirst({ where: { vmId, state: { in: ACTIVE_RESTART_STATES } } });
  if (active?.state === 'restarting')
    throw conflict(`VM ${vm.name} is being restarted already`, { restartId: active.id, taskId: active.taskId });
  const busy = await activeTaskFor(vmId);
  if (busy) throw conflict(`VM ${vm.name} is busy with another task`, { taskId: busy });
  const pinned = input.targetHostId === 'best' ? null : input.targetHostId;
  const [hosts, rules] = await Promise.all([restartTargets(), currentPlacementRules()]);
  if (pinned && !hosts.some((h) => h.id === pinned)) throw noSuchObject('host', pinned);
  const policy = await getHaPolicy();
  const failover = policy.admission === 'failover-hosts' ? policy.failoverHostIds : [];
  const [decision] = planRestarts(
    [toPlanRestart({ id: active?.id ?? 'new', vmId, fromHostId: vm.hostId, pinnedHostId: pinned }, vm)],
    hosts,
    rules,
    failover,
  );
  if (decision.targetHostId === null) throw noHostAvailable(vm.memoryMiB, decision.reason);
  const target = hosts.find((h) => h.id === decision.targetHostId)!;
  const data = { manual: true, requestedBy: user.username, pinnedHostId: pinned, priority: vm.haPriority };
  const restart = active
    ? await db().haRestart.update({ where: { id: active.id }, data })
    : await db().haRestart.create({
        data: {
          ...data,
          vmId,
          vmName: vm.name,
          fromHostId: vm.hostId,
          failedAt: failedAtOf(hostState),
          detectedAt: hostState.since,
        },
      });
  const taskId = await startRestart(restart, target, actorOf(user));
  if (!taskId) throw conflict(`VM ${vm.name}'s restart was decided meanwhile`, { restartId: restart.id });
  await recordAudit({
    actor: actorOf(user),
    action: 'vm.failover',
    target: { type: 'vm', id: vmId, name: vm.name },
    result: 'accepted',
    detail: { taskId, restartId: restart.id, from: vm.host.name, to: target.name },
  });
  return { taskId, restartId: restart.id };
}

export async function cancelRestart(user: SessionUser, restartId: string): Promise<HaRestartDto> {
  const r = await db().haRestart.findUnique({ where: { id: restartId } });
  await authorize(user, 'vm.ha', { type: 'vm', id: r?.vmId ?? null, name: r?.vmName }, 'ha.restart.cancel');
  if (!r) throw noSuchObject('restart', restartId);
  const refused = () =>
    conflict(
      `The restart of ${r.vmName} is ${r.state}; only a pending one (or one whose task has not started) can be cancelled`,
      { state: r.state as HaRestartState },
    );
  if (!ACTIVE_RESTART_STATES.includes(r.state as HaRestartState)) throw refused();
  const reason = `Cancelled by ${user.username}`;
  // Pending: not decided yet. Restarting: only while its task has not started (nothing touched).
  const cancelled = await db().$transaction(async (tx) => {
    if (r.state === 'restarting' && r.taskId) {
      const stopped = await tx.task.updateMany({
        where: { id: r.taskId, state: TASK_STATE.queued },
        data: { state: TASK_STATE.cancelled, finishedAt: new Date(), errorCode: 'CANCELLED', errorMessage: reason },
      });
      if (!stopped.count) return false;
      // startRestart marked it starting for the task; it is as down as before.
      await tx.vm.updateMany({ where: { id: r.vmId, state: VM_STATE.starting }, data: { state: VM_STATE.crashed } });
    }
    return (
      (await tx.haRestart.updateMany({ where: { id: r.id, state: r.state }, data: { state: 'cancelled', reason } }))
        .count === 1
    );
  });
  if (!cancelled) throw refused();
  await recordHaEvent({
    kind: 'restart-cancelled',
    hostId: r.fromHostId,
    vmId: r.vmId,
    message: `${reason}: restart of ${r.vmName}`,
    data: { restartId },
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'ha.restart.cancel',
    target: { type: 'vm', id: r.vmId, name: r.vmName },
    result: 'succeeded',
    detail: { restartId },
  });
  const hosts = new Map((await db().host.findMany({ select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  return toRestartDto(await db().haRestart.findUniqueOrThrow({ where: { id: r.id } }), {
    host: (id) => (id ? (hosts.get(id) ?? null) : null),
  });
}
