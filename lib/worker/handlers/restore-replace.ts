import 'server-only';
import type { AgentClient } from '@/lib/agent-client';
import { replaceDiskResultSchema, type SafetyFile } from '@/lib/agent-protocol/restore';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { waitForRetention } from '@/lib/domain/backups/chain-readers';
import { safetyChainId } from '@/lib/domain/backups/restore-points';
import { agentFor } from '@/lib/domain/hosts/agents';
import type { RestorePointVmSpec } from '@/lib/domain/backups/dto';
import type { RestoreResultDto } from '@/lib/domain/restores/dto';
import type { RestoreReplacePayload } from '@/lib/domain/tasks/kinds';
import type { Vm } from '@/lib/generated/prisma/client';
import { pointForRestore } from '@/lib/domain/restores/queries';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject, timeout, vmBadPowerState } from '@/lib/errors';
import type { TaskContext } from '../context';
import { followRestoreOp } from './restore-follow';
import { waitForGuest } from './vm-create';

// The safety point of a replace is its own chain, named after the task: a recovered task finds it.

const ON = ['running', 'paused'];

// Replace the VM's disk with a restore point. The VM is stopped (gracefully, forced after 60 s),
// the agent keeps the current disk as a safety file (registered here as a 'safety' restore
// point while the restore runs) and copies the backup in, or (instant) starts the VM at once on
// an overlay of it and streams; once the VM is up on the restored disk (guest ready) the safety
// point is discarded. On any failure before that, the restored VM not coming up included, the
// safety disk is put back (and the VM restarted if it ran before).
export async function replaceFromPoint(
  ctx: TaskContext,
  { vmId, pointId, instant, previousState }: RestoreReplacePayload,
): Promise<RestoreResultDto> {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { image: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  const wasOn = ON.includes(previousState);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.restore',
      target: { type: 'vm', id: vmId, name: vm.name },
      result,
      detail: { taskId: ctx.id, mode: 'replace', ...detail },
    });
  let agent: AgentClient;
  try {
    agent = await agentFor(vm.hostId);
  } catch (err) {
    await db().vm.update({
      where: { id: vmId },
      data: { state: previousState, lastError: `Restore failed: ${errorMessage(err)}` },
    });
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
  try {
    if (ctx.recovered) throw new Error('The worker running this restore stopped before it finished');
    await waitForRetention(pointId, (m) => ctx.step(m));
    const { point, spec } = await pointForRestore(pointId);
    const boot = vm.image
      ? {
          kernelPath: vm.image.kernelPath ?? undefined,
          initrdPath: vm.image.initrdPath ?? undefined,
          append: vm.image.append ?? undefined,
        }
      : spec.boot;
    await stopForReplace(ctx, agent, vmId);
    await ctx.step(
      instant
        ? `Keeping the current disk as a safety restore point; the VM starts on its restore point of ${point.takenAt.toISOString()} at once, the disk follows in the background`
        : `Keeping the current disk as a safety restore point; copying the restore point of ${point.takenAt.toISOString()} into the VM's disk`,
    );
    const t0 = Date.now();
    let safetyId: string | null = null;
    // Registered as soon as the agent reports the hashed file, i.e. while the restore runs.
    const register = async (f: SafetyFile) => {
      if (safetyId) return;
      safetyId = (await db().restorePoint.create({ data: safetyRow(vm, ctx.id, f, boot) })).id;
      await ctx.step(`Safety restore point registered (${f.path})`);
    };
    const op = await agent.replaceVmDisk(vmId, { sourcePath: point.filePath, instant });
    const done = await followRestoreOp(
      ctx,
      agent,
      op.id,
      { from: 0.15, to: 0.8 },
      {
        onSafety: register,
        onRunning: async () => void (await db().vm.update({ where: { id: vmId }, data: { state: VM_STATE.running } })),
      },
    );
    const r = replaceDiskResultSchema.parse(done.result);
    await register({ path: r.safetyPath, sha256: r.sha256, sizeBytes: r.sizeBytes });
    // The disk no longer descends from any snapshot (the agent's points.json says so too).
    await db().vm.update({
      where: { id: vmId },
      data: {
        state: instant ? VM_STATE.running : VM_STATE.starting,
        diskSizeBytes: point.virtualSizeBytes,
        currentSnapshotId: null,
      },
    });
    const startedAt = instant ? t0 + (r.runningAfterMs ?? 0) : Date.now();
    if (!instant) await agent.startVm(vmId);
    await db().vm.update({ where: { id: vmId }, data: { state: VM_STATE.running } });
    await ctx.step(
      `VM started on the restored disk${instant ? ', streamed from the backup,' : ''} after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    await ctx.progress(0.85);
    // Success is the VM up on the restored disk (its guest ready, when it has a ready line); until
    // then the old disk stays, and a VM that does not come up is put back on it (catch below).
    if (boot.kernelPath) await waitForGuest(ctx, agent, vmId, startedAt, { required: true });
    else await expectRunning(agent, vmId);
    const totalMs = Date.now() - t0;
    // The restore has succeeded: a failed discard must not undo it, the point just stays listed.
    try {
      await agent.discardSafety(vmId, { safetyPath: r.safetyPath });
      await db().restorePoint.delete({ where: { id: safetyId! } });
      await ctx.step('Safety restore point discarded');
    } catch (err) {
      await ctx.step(
        `Could not discard the safety restore point (${r.safetyPath}): ${errorMessage(err)}; delete it later`,
        'warn',
      );
    }
    await audit('succeeded', { pointId: point.id, instant, totalMs, runningAfterMs: r.runningAfterMs });
    return {
      vmId,
      pointId: point.id,
      mode: 'replace',
      instant,
      hostId: vm.hostId,
      diskPath: vm.diskPath,
      runningAfterMs: r.runningAfterMs,
      totalMs,
    };
  } catch (err) {
    await ctx.step(`Restore failed: ${errorMessage(err)}`, 'error');
    await revertSafetyPoints(ctx, agent, vmId, wasOn);
    await syncVmState(agent, vmId, errorMessage(err));
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
}

function safetyRow(vm: Vm, taskId: string, f: SafetyFile, boot: RestorePointVmSpec['boot']) {
  return {
    vmId: vm.id,
    vmName: vm.name,
    hostId: vm.hostId,
    kind: 'safety',
    chainId: safetyChainId(taskId),
    filePath: f.path,
    sha256: f.sha256,
    sizeBytes: BigInt(f.sizeBytes),
    virtualSizeBytes: vm.diskSizeBytes,
    takenAt: new Date(),
    vmSpec: JSON.stringify({
      vcpus: vm.vcpus,
      memoryMiB: vm.memoryMiB,
      boot,
      imageId: vm.imageId,
      tags: JSON.parse(vm.tags) as string[],
    }),
  };
}

async function expectRunning(agent: AgentClient, vmId: string): Promise<void> {
  const { state } = await agent.getVm(vmId);
  if (state !== 'running') throw vmBadPowerState(vmId, ['running'], `${state} on the restored disk`);
}

async function stopForReplace(ctx: TaskContext, agent: AgentClient, vmId: string): Promise<void> {
  if (!ON.includes((await agent.getVm(vmId)).state)) return;
  await ctx.step('Stopping the VM (ACPI power button; forced after 60 s)');
  try {
    await agent.stopVm(vmId, { timeoutSec: 60 });
  } catch (err) {
    if (!timeout.is(err)) throw err;
    await ctx.step('The guest did not power off within 60 s; forcing the stop', 'warn');
    await agent.stopVm(vmId, { force: true });
  }
  await db().vm.update({ where: { id: vmId }, data: { state: VM_STATE.stopped } });
  await ctx.progress(0.15);
}

// Puts back every safety disk this task registered (a failed agent operation has already put
// its own back: then only the row goes), and restarts the VM if it ran before. A revert that
// fails keeps its row, so the old disk is not forgotten.
async function revertSafetyPoints(ctx: TaskContext, agent: AgentClient, vmId: string, restart: boolean): Promise<void> {
  for (const s of await db().restorePoint.findMany({
    where: { vmId, kind: 'safety', chainId: safetyChainId(ctx.id) },
  })) {
    try {
      if (ON.includes((await agent.getVm(vmId)).state)) await agent.stopVm(vmId, { force: true });
      await agent.revertSafety(vmId, { safetyPath: s.filePath }).catch((err: unknown) => {
        if (!(noSuchObject.is(err) && err.data?.type === 'safety disk')) throw err;
      });
      await db().restorePoint.delete({ where: { id: s.id } });
      await ctx.step('The previous disk is back in place (safety point reverted)', 'warn');
    } catch (err) {
      await ctx.step(
        `Could not put the previous disk back: ${errorMessage(err)}. Its safety restore point stays registered (${s.filePath}).`,
        'error',
      );
    }
  }
  const rt = await agent.getVm(vmId).catch(() => null);
  if (restart && rt && !ON.includes(rt.state)) {
    await agent.startVm(vmId).then(
      () => ctx.step('VM started again on its previous disk'),
      (err: unknown) => ctx.step(`Could not start the VM again: ${errorMessage(err)}`, 'warn'),
    );
  }
}

// After a failure the row shows what QEMU reports, with the reason; unknown when unreachable.
async function syncVmState(agent: AgentClient, vmId: string, reason: string): Promise<void> {
  const rt = await agent.getVm(vmId).catch(() => null);
  await db().vm.update({
    where: { id: vmId },
    data: {
      state: rt ? VM_STATE_FROM_RUNTIME[rt.state] : VM_STATE.error,
      guestReady: rt?.guestReady ?? false,
      lastError: `Restore failed: ${reason}`,
    },
  });
}
