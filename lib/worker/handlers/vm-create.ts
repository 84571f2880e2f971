import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { AgentClient } from '@/lib/agent-client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject, timeout } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import type { TaskContext, TaskHandler } from '../context';
import { removeVmEverywhere } from './vm-cleanup';

const GUEST_READY_TIMEOUT_MS = 90_000;

// Provision: copy-on-write overlay on the image + QEMU start, on the host chosen at request time.
// Any failure (or a previous worker dying mid-way) removes the half-made VM: its disk on the host
// and its row here, so nothing half-made stays registered. The task keeps the story.
export const createVmHandler: TaskHandler = async (ctx, payload) => {
  const vmId = String(payload.vmId);
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true, image: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  try {
    if (ctx.recovered) throw new Error('The worker running this provision stopped before it finished');
    if (!vm.image) throw noSuchObject('image', vm.imageId ?? '?');
    const agent = await agentFor(vm.hostId);
    await ctx.step(`Creating a copy-on-write disk on ${vm.image.name} ${vm.image.version} and starting QEMU on ${vm.host.name}`);
    await ctx.progress(0.1);
    const started = Date.now();
    const rt = await agent.createVm({
      id: vm.id,
      name: vm.name,
      vcpus: vm.vcpus,
      memoryMiB: vm.memoryMiB,
      diskSizeBytes: Number(vm.diskSizeBytes),
      pool: vm.pool,
      baseImagePath: vm.image.diskPath,
      boot: { kernelPath: vm.image.kernelPath ?? undefined, initrdPath: vm.image.initrdPath ?? undefined, append: vm.image.append ?? undefined },
    });
    await db().vm.update({ where: { id: vmId }, data: { state: VM_STATE.running, diskPath: rt.diskPath, pool: rt.pool } });
    await ctx.step(`QEMU is running (pid ${rt.pid}, ${rt.accelerator.toUpperCase()}) after ${Date.now() - started} ms`);
    await ctx.progress(0.5);
    if (vm.image.kernelPath) await waitForGuest(ctx, agent, vmId, started);
    await recordAudit({ actor: ctx.actor, action: 'vm.create', target: { type: 'vm', id: vmId, name: vm.name }, result: 'succeeded', detail: { taskId: ctx.id } });
    return { vmId, hostId: vm.hostId, diskPath: rt.diskPath, pid: rt.pid, msToRunning: Date.now() - started };
  } catch (err) {
    await ctx.step(`Provisioning failed: ${errorMessage(err)}. Removing the half-made VM.`, 'error');
    await removeVmEverywhere(ctx, vm.hostId, vmId);
    await recordAudit({ actor: ctx.actor, action: 'vm.create', target: { type: 'vm', id: vmId, name: vm.name }, result: 'failed', detail: { taskId: ctx.id, error: errorMessage(err) } });
    throw err;
  }
};

// The test guest (and any image with its own kernel) prints a ready line on the serial
// console; a VM that QEMU runs but whose guest never gets there is worth a warning, not a
// failure, unless the caller needs the guest up (`required`: a replace keeps the old disk until
// then). Checked at least once, however long ago `started` was.
export async function waitForGuest(ctx: TaskContext, agent: AgentClient, vmId: string, started: number, opts: { required?: boolean } = {}): Promise<void> {
  await ctx.step('Waiting for the guest to report ready on its serial console');
  for (;;) {
    const rt = await agent.getVm(vmId);
    if (rt.state !== 'running') throw new Error(`The VM stopped while booting (QEMU state ${rt.state})`);
    if (rt.guestReady) {
      await db().vm.update({ where: { id: vmId }, data: { guestReady: true } });
      await ctx.step(`Guest ready ${((Date.now() - started) / 1000).toFixed(1)} s after Create`);
      return;
    }
    if (Date.now() - started >= GUEST_READY_TIMEOUT_MS) break;
    await ctx.progress(0.5 + (0.45 * (Date.now() - started)) / GUEST_READY_TIMEOUT_MS);
    await sleep(500);
  }
  if (opts.required) throw timeout("The guest's boot to its ready line", GUEST_READY_TIMEOUT_MS / 1000);
  await ctx.step(`The guest did not report ready within ${GUEST_READY_TIMEOUT_MS / 1000} s; QEMU is running. See the serial console.`, 'warn');
}
