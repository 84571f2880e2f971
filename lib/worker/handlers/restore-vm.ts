import 'server-only';
import { restoreResultSchema } from '@/lib/agent-protocol/restore';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { waitForRetention } from '@/lib/domain/backups/chain-readers';
import { agentFor } from '@/lib/domain/hosts/agents';
import type { RestoreResultDto } from '@/lib/domain/restores/dto';
import type { RestoreNewPayload } from '@/lib/domain/tasks/kinds';
import { pointForRestore } from '@/lib/domain/restores/queries';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskContext, TaskHandler } from '../context';
import { followRestoreOp } from './restore-follow';
import { replaceFromPoint } from './restore-replace';
import { waitForGuest } from './vm-create';
import { removeVmEverywhere } from './vm-cleanup';

// vm.restore (queued by lib/domain/restores/service.ts): as a new VM, or over the point's own VM.
export const restoreVmHandler: TaskHandler<'vm.restore'> = (ctx, payload) =>
  payload.mode === 'replace' ? replaceFromPoint(ctx, payload) : restoreAsNewVm(ctx, payload);

// Restore as a new VM on the host chosen at request time. Copy: the backup chain is converted
// into the pool, then the VM starts. Instant: the VM starts at once on an overlay of the backup
// and its disk is streamed into the pool while it runs (the row says running from then on).
// Any failure, or a previous worker dying mid-way, removes the half-made VM everywhere.
async function restoreAsNewVm(
  ctx: TaskContext,
  { vmId, pointId, instant }: RestoreNewPayload,
): Promise<RestoreResultDto> {
  const vm = await db().vm.findUnique({ where: { id: vmId }, include: { host: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'vm.restore',
      target: { type: 'vm', id: vmId, name: vm.name },
      result,
      detail: { taskId: ctx.id, ...detail },
    });
  try {
    if (ctx.recovered) throw new Error('The worker running this restore stopped before it finished');
    await waitForRetention(pointId, (m) => ctx.step(m));
    const { point, spec } = await pointForRestore(pointId);
    const agent = await agentFor(vm.hostId);
    await ctx.step(
      instant
        ? `Instant recovery of ${point.vmName} (${point.takenAt.toISOString()}) on ${vm.host.name}: the VM starts on the backup, its disk follows in the background`
        : `Copying ${point.vmName}'s restore point of ${point.takenAt.toISOString()} into the pool of ${vm.host.name}, then starting the VM`,
    );
    const t0 = Date.now();
    const op = await agent.restoreVm({
      vm: { id: vm.id, name: vm.name, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, pool: vm.pool, boot: spec.boot },
      sourcePath: point.filePath,
      mode: instant ? 'instant' : 'copy',
      start: true,
    });
    const done = await followRestoreOp(
      ctx,
      agent,
      op.id,
      { from: 0.05, to: 0.9 },
      {
        onRunning: async () => void (await db().vm.update({ where: { id: vmId }, data: { state: VM_STATE.running } })),
      },
    );
    const r = restoreResultSchema.parse(done.result);
    await db().vm.update({ where: { id: vmId }, data: { state: VM_STATE.running, diskPath: r.diskPath } });
    await ctx.step(
      instant
        ? `Disk copied from the backup in ${(r.totalMs / 1000).toFixed(1)} s; the VM no longer depends on the backup`
        : `VM running after ${((r.runningAfterMs ?? r.totalMs) / 1000).toFixed(1)} s (full copy)`,
    );
    if (spec.boot.kernelPath) await waitForGuest(ctx, agent, vmId, t0);
    await audit('succeeded', { pointId: point.id, instant, runningAfterMs: r.runningAfterMs, totalMs: r.totalMs });
    const result: RestoreResultDto = {
      vmId,
      pointId: point.id,
      mode: 'new',
      instant,
      hostId: vm.hostId,
      diskPath: r.diskPath,
      runningAfterMs: r.runningAfterMs,
      totalMs: r.totalMs,
    };
    return result;
  } catch (err) {
    await ctx.step(`Restore failed: ${errorMessage(err)}. Removing the half-made VM.`, 'error');
    await removeVmEverywhere(ctx, vm.hostId, vmId);
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
}
