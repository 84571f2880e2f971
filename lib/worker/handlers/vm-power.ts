import 'server-only';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE_FROM_RUNTIME, type VmAction } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject, timeout } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { removeVmEverywhere } from './vm-cleanup';
import { gracefulStopSec } from './vm-timeouts';

const VERB: Record<VmAction, (graceSec: number) => string> = {
  start: () => 'Starting QEMU',
  stop: (graceSec) => `Asking the guest to shut down (ACPI power button, up to ${graceSec} s)`,
  'force-stop': () => 'Stopping QEMU at once (like pulling the plug)',
  restart: () => 'Resetting the VM',
};

async function vmWithHost(vmId: string) {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: { select: { name: true } } } });
  if (!vm) throw noSuchObject('VM', vmId);
  return vm;
}

// On failure the VM's state is re-read from the host so the dashboard never shows a transient
// state ('stopping') that nothing is working on any more.
async function settleAfterFailure(vmId: string, hostId: string, previous: string, err: unknown): Promise<void> {
  let state = previous;
  try {
    state = VM_STATE_FROM_RUNTIME[(await (await agentFor(hostId)).getVm(vmId)).state];
  } catch {
    /* host unreachable: keep the state from before the action */
  }
  await db().vm.update({ where: { id: vmId }, data: { state, lastError: errorMessage(err) } });
}

export function powerHandler(action: VmAction): TaskHandler<`vm.${VmAction}`> {
  return async (ctx, payload) => {
    const vm = await vmWithHost(payload.vmId);
    try {
      const agent = await agentFor(vm.hostId);
      const graceSec = gracefulStopSec();
      await ctx.step(`${VERB[action](graceSec)} on ${vm.host.name}`);
      await ctx.progress(0.2);
      // Each call is an agent operation polled to its end, so a stop longer than an HTTP
      // exchange is reported as what it was (stopped, or TIMEOUT), never as an unreachable agent.
      let rt: VmRuntime;
      if (action === 'start') rt = await agent.startVm(vm.id);
      else if (action === 'restart') rt = await agent.restartVm(vm.id);
      else rt = await agent.stopVm(vm.id, { force: action === 'force-stop', timeoutSec: graceSec });
      await db().vm.update({
        where: { id: vm.id },
        data: {
          state: VM_STATE_FROM_RUNTIME[rt.state],
          guestReady: rt.guestReady,
          guestWarning: null,
          lastError: null,
        },
      });
      await ctx.step(`VM is ${VM_STATE_FROM_RUNTIME[rt.state]}${rt.pid ? ` (pid ${rt.pid})` : ''}`);
      await recordAudit({
        actor: ctx.actor,
        action: `vm.${action}`,
        target: { type: 'vm', id: vm.id, name: vm.name },
        result: 'succeeded',
        detail: { taskId: ctx.id },
      });
      return { state: VM_STATE_FROM_RUNTIME[rt.state] };
    } catch (err) {
      if (action === 'stop' && timeout.is(err))
        await ctx.step(
          'The guest ignored the power button and is still running; Force stop turns it off at once.',
          'error',
        );
      await settleAfterFailure(vm.id, vm.hostId, payload.previousState, err);
      await recordAudit({
        actor: ctx.actor,
        action: `vm.${action}`,
        target: { type: 'vm', id: vm.id, name: vm.name },
        result: 'failed',
        detail: { taskId: ctx.id, error: errorMessage(err) },
      });
      throw err;
    }
  };
}

export const deleteVmHandler: TaskHandler<'vm.delete'> = async (ctx, payload) => {
  const vm = await vmWithHost(payload.vmId);
  await ctx.step(`Stopping QEMU if needed and removing the VM's disks on ${vm.host.name}`);
  await ctx.progress(0.3);
  const failure = await removeVmEverywhere(ctx, vm.hostId, vm.id);
  if (failure) {
    await recordAudit({
      actor: ctx.actor,
      action: 'vm.delete',
      target: { type: 'vm', id: vm.id, name: vm.name },
      result: 'failed',
      detail: { taskId: ctx.id, error: failure },
    });
    throw new Error(failure);
  }
  await recordAudit({
    actor: ctx.actor,
    action: 'vm.delete',
    target: { type: 'vm', id: vm.id, name: vm.name },
    result: 'succeeded',
    detail: { taskId: ctx.id },
  });
  return { deleted: vm.id };
};
