// Real agent + real QEMU + the real services and worker: long VM calls are agent operations, so a
// graceful stop that outlasts an HTTP exchange is reported as what happened (stopped, or TIMEOUT
// with the VM still running), never as "agent unreachable"; and a guest that never prints its
// ready line (too little memory) leaves a running VM with a warning, not a silent success.
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { db } from '@/lib/db/client';
import { getVm } from '@/lib/domain/vms/queries';
import { createVm, deleteVm, runVmAction } from '@/lib/domain/vms/service';
import { useCluster } from '@/lib/testing/cluster';
import { settled } from '@/lib/testing/tasks';
import { admin } from '@/lib/testing/fixtures';

const ctx = useCluster(['av1']);
const env = { ...process.env };
afterEach(() => {
  for (const k of ['VMOPS_AGENT_HTTP_TIMEOUT_MS', 'VMOPS_GRACEFUL_STOP_SEC', 'VMOPS_GUEST_READY_TIMEOUT_SEC'])
    process.env[k] = env[k];
});

const steps = async (taskId: string) =>
  (await db().taskStep.findMany({ where: { taskId }, orderBy: { id: 'asc' } })).map((s) => `${s.level}: ${s.message}`);

async function newVm(name: string, memoryMiB: number) {
  const { taskId, vmId } = await createVm(admin, {
    name,
    imageId: ctx.imageId,
    hostId: 'auto',
    vcpus: 1,
    memoryMiB,
    diskSizeGiB: 0.25,
    haEnabled: false,
    tags: [],
  });
  return { task: await settled(taskId), vmId };
}

async function removeVm(vmId: string) {
  expect((await settled((await deleteVm(admin, vmId)).taskId)).state).toBe('succeeded');
}

describe('long VM calls and guests that never get ready (real QEMU)', () => {
  it('reports a guest that never prints its ready line (64 MiB: too little for the test guest) as running with a warning', async () => {
    process.env.VMOPS_GUEST_READY_TIMEOUT_SEC = '25';
    // An image that does not declare its minimum (imported before minimums existed), so the
    // dashboard cannot refuse the size up front: the guest hangs at 64 MiB without a word.
    const { minMemoryMiB } = await db().image.findUniqueOrThrow({ where: { id: ctx.imageId } });
    await db().image.update({ where: { id: ctx.imageId }, data: { minMemoryMiB: null } });
    onTestFinished(() =>
      db()
        .image.update({ where: { id: ctx.imageId }, data: { minMemoryMiB } })
        .then(() => {}),
    );
    const t0 = Date.now();
    const { task, vmId } = await newVm('starved', 64);
    expect(task.state, task.error?.message).toBe('succeeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25_000);
    expect(task.result).toMatchObject({
      vmId,
      guestReady: false,
      warning: expect.stringContaining('did not report ready within 25 s'),
    });
    expect((await steps(task.id)).filter((s) => s.startsWith('warn:'))).toEqual([
      expect.stringContaining('64 MiB of memory'),
    ]);
    const vm = await getVm(vmId);
    expect(vm).toMatchObject({
      state: 'running',
      guestReady: false,
      guestWarning: expect.stringContaining('QEMU is running'),
    });
    expect((await ctx.host.av1.client.getVm(vmId)).state).toBe('running');
    await removeVm(vmId);
  });

  it('a graceful stop outlives the HTTP timeout: stopped when the guest obeys, TIMEOUT (still running) when it ignores the button', async () => {
    process.env.VMOPS_AGENT_HTTP_TIMEOUT_MS = '3000'; // every HTTP exchange of the worker's agent client
    process.env.VMOPS_GRACEFUL_STOP_SEC = '10';

    const { task, vmId } = await newVm('obeys', 128);
    expect(task.state, task.error?.message).toBe('succeeded');
    const stop = await settled((await runVmAction(admin, vmId, 'stop')).taskId);
    expect(stop.state, stop.error?.message).toBe('succeeded');
    expect((await getVm(vmId)).state).toBe('stopped');
    await removeVm(vmId);

    // The test guest's kernel with a plain shell as init: no acpid, no button module, so the ACPI
    // power button goes unanswered, as with a hung or stubborn guest.
    const image = await db().image.findUniqueOrThrow({ where: { id: ctx.imageId } });
    const host = ctx.host.av1;
    await host.client.createVm({
      id: 'deaf',
      name: 'deaf',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 256 * 1024 ** 2,
      baseImagePath: image.diskPath,
      boot: {
        kernelPath: image.kernelPath!,
        initrdPath: image.initrdPath!,
        append: 'console=ttyS0 quiet panic=-1 rdinit=/bin/sh',
      },
    });
    await db().vm.create({
      data: {
        id: 'deaf',
        name: 'deaf',
        hostId: host.hostId,
        imageId: image.id,
        state: 'running',
        vcpus: 1,
        memoryMiB: 128,
        diskSizeBytes: 256n * 1024n ** 2n,
      },
    });

    const t0 = Date.now();
    const ignored = await settled((await runVmAction(admin, 'deaf', 'stop')).taskId);
    const tookMs = Date.now() - t0;
    expect(ignored.state).toBe('failed');
    expect(ignored.error).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('within 10 s') });
    expect(tookMs).toBeGreaterThan(10_000); // over three times the 3 s HTTP timeout, and not "unreachable"
    expect((await steps(ignored.id)).join('\n')).toContain('ignored the power button');
    expect(await getVm('deaf')).toMatchObject({
      state: 'running',
      lastError: expect.stringContaining('ACPI power button'),
    });

    const forced = await settled((await runVmAction(admin, 'deaf', 'force-stop')).taskId);
    expect(forced.state, forced.error?.message).toBe('succeeded');
    expect((await getVm('deaf')).state).toBe('stopped');
    await removeVm('deaf');
  });
});
