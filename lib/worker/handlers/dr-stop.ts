import 'server-only';
import type { AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { timeout } from '@/lib/errors';
import type { TaskContext } from '../context';
import { gracefulStopSec } from './vm-timeouts';

// Stopping the running copy before the other side takes over (failover, switch back): graceful
// (ACPI power button, forced after the grace) or forced at once. The row follows.
export async function stopForSwitch(
  ctx: TaskContext,
  agent: AgentClient,
  vm: { id: string; name: string },
  graceful: boolean,
): Promise<void> {
  if (graceful) {
    const graceSec = gracefulStopSec();
    await ctx.step(`Shutting VM ${vm.name} down (ACPI power button, up to ${graceSec} s)`);
    try {
      await agent.stopVm(vm.id, { timeoutSec: graceSec });
    } catch (err) {
      if (!timeout.is(err)) throw err;
      await ctx.step(`The guest did not shut down within ${graceSec} s: stopping QEMU at once`, 'warn');
      await agent.stopVm(vm.id, { force: true });
    }
  } else {
    await agent.stopVm(vm.id, { force: true });
  }
  await db().vm.update({ where: { id: vm.id }, data: { state: VM_STATE.stopped, guestReady: false } });
}
