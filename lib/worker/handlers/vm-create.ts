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
import { guestReadyTimeoutSec } from './vm-timeouts';

// Provision: copy-on-write overlay on the image + QEMU start, on the host chosen at request time.
// Any failure (or a previous worker dying mid-way) removes the half-made VM: its disk on the host
// and its row here, so nothing half-made stays registered. The task keeps the story.
export const createVmHandler: TaskHandler<'vm.create'> = async (ctx, { vmId }) => {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true, image: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  try {
    if (ctx.recovered) throw new Error('The worker running this provision stopped before it finished');
    if (!vm.image) throw noSuchObject('image', vm.imageId ?? '?');
    const agent = await agentFor(vm.hostId);
    await ctx.step(
      `Creating a copy-on-write disk on ${vm.image.name} ${vm.image.version} and starting QEMU on ${vm.host.name}`,
    );
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
      boot: {
        kernelPath: vm.image.kernelPath ?? undefined,
        initrdPath: vm.image.initrdPath ?? undefined,
        append: vm.image.append ?? undefined,
      },
    });
    await db().vm.update({
      where: { id: vmId },
      data: { state: VM_STATE.running, diskPath: rt.diskPath, pool: rt.pool },
    });
    await ctx.step(`QEMU is running (pid ${rt.pid}, ${rt.accelerator.toUpperCase()}) after ${Date.now() - started} ms`);
    await ctx.progress(0.5);
    const warning = vm.image.kernelPath ? await waitForGuest(ctx, agent, vmId, started) : null;
    await recordAudit({
      actor: ctx.actor,
      action: 'vm.create',
      target: { type: 'vm', id: vmId, name: vm.name },
      result: 'succeeded',
      detail: { taskId: ctx.id, ...(warning && { warning }) },
    });
    return {
      vmId,
      hostId: vm.hostId,
      diskPath: rt.diskPath,
      pid: rt.pid,
      msToRunning: Date.now() - started,
      guestReady: !warning,
      warning,
    };
  } catch (err) {
    await ctx.step(`Provisioning failed: ${errorMessage(err)}. Removing the half-made VM.`, 'error');
    await removeVmEverywhere(ctx, vm.hostId, vmId);
    await recordAudit({
      actor: ctx.actor,
      action: 'vm.create',
      target: { type: 'vm', id: vmId, name: vm.name },
      result: 'failed',
      detail: { taskId: ctx.id, error: errorMessage(err) },
    });
    throw err;
  }
};

// The test guest (and any image with its own kernel) prints a ready line on the serial
// console; a VM that QEMU runs but whose guest never gets there (too little memory for the image,
// a broken kernel) stays running with a warning: the VM says why (`guestWarning`) and the task
// succeeds with it in its result. Unless the caller needs the guest up (`required`: a replace
// keeps the old disk until then). Checked at least once, however long ago `started` was.
// Returns the warning, or null when the guest is ready.
export async function waitForGuest(
  ctx: TaskContext,
  agent: AgentClient,
  vmId: string,
  started: number,
  opts: { required?: boolean } = {},
): Promise<string | null> {
  const limitMs = guestReadyTimeoutSec() * 1000;
  await ctx.step('Waiting for the guest to report ready on its serial console');
  for (;;) {
    const rt = await agent.getVm(vmId);
    if (rt.state !== 'running') throw new Error(`The VM stopped while booting (QEMU state ${rt.state})`);
    if (rt.guestReady) {
      await db().vm.update({ where: { id: vmId }, data: { guestReady: true, guestWarning: null } });
      await ctx.step(`Guest ready ${((Date.now() - started) / 1000).toFixed(1)} s after Create`);
      return null;
    }
    if (Date.now() - started >= limitMs) break;
    await ctx.progress(0.5 + (0.45 * (Date.now() - started)) / limitMs);
    await sleep(500);
  }
  if (opts.required) throw timeout("The guest's boot to its ready line", limitMs / 1000);
  const warning = await notReadyReason(agent, vmId, limitMs / 1000);
  await db().vm.update({ where: { id: vmId }, data: { guestReady: false, guestWarning: warning } });
  await ctx.step(`${warning}. See the serial console.`, 'warn');
  return warning;
}

async function notReadyReason(agent: AgentClient, vmId: string, seconds: number): Promise<string> {
  const { memoryMiB } = await db().vm.findUniqueOrThrow({ where: { id: vmId }, select: { memoryMiB: true } });
  const last = await agent.console(vmId, 5).then(
    (c) => c.lines.filter((l) => l.trim()).at(-1) ?? null,
    () => null,
  );
  return `The guest did not report ready within ${seconds} s; QEMU is running (${memoryMiB} MiB of memory: too little for the image is a common cause)${last ? `; last console line: "${last.slice(0, 200)}"` : ''}`;
}
