import 'server-only';
import { verifyBackupResultSchema } from '@/lib/agent-protocol/backup';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { chainOf } from '@/lib/domain/backups/chain';
import { waitForRetention } from '@/lib/domain/backups/chain-readers';
import { manifestMismatches } from '@/lib/domain/backups/manifest-check';
import { bootCheck, removeBootCheckVms, type BootCheckVm } from '@/lib/domain/restores/boot-check';
import { repositoryAgent } from '@/lib/domain/backups/repository-check';
import { AppError, errorMessage } from '@/lib/errors';
import type { RestorePoint } from '@/lib/generated/prisma/client';
import type { TaskContext, TaskHandler } from '../context';

// Re-hashes every file a restore of the point reads (its whole chain) against its row, and
// checks that each file's repository manifest says what the row says.
async function verifyChain(point: RestorePoint): Promise<{ ok: boolean; message: string }> {
  const points = await db().restorePoint.findMany({ where: { vmId: point.vmId } });
  const chain = chainOf(points, point.id);
  if (chain[0].parentId)
    return { ok: false, message: `chain broken: parent ${chain[0].parentId} of ${chain[0].id} is not registered` };
  const repo = point.repositoryId
    ? await db().backupRepository.findUnique({ where: { id: point.repositoryId } })
    : null;
  if (!repo) return { ok: false, message: 'its repository is no longer registered' };
  const agent = await repositoryAgent(repo, point.hostId);
  const op = await agent.verifyBackupFiles({
    repository: repo.path,
    files: chain.map((p) => ({ path: p.filePath, sha256: p.sha256 })),
  });
  const { files } = verifyBackupResultSchema.parse((await waitForOperation(agent, op.id)).result);
  const problems = files.flatMap((f, i) =>
    [
      ...(f.ok ? [] : [f.error ?? `sha256 ${f.actualSha256} does not match`]),
      ...manifestMismatches(chain[i], chain[i - 1] ?? null, f.manifest, f.manifestError),
    ].map((m) => `${f.path}: ${m}`),
  );
  if (problems.length) return { ok: false, message: problems.join('; ') };
  return {
    ok: true,
    message: `${files.length} file(s) of the chain match their SHA-256 and manifest (checked on ${agent.hostName})`,
  };
}

// The temporary boot-check VMs this task has (or may have) created and not yet deleted, in the
// task's result while it runs: a worker that takes the task over deletes them first.
async function trackedVms(taskId: string): Promise<BootCheckVm[]> {
  const task = await db().task.findUnique({ where: { id: taskId }, select: { result: true } });
  return (JSON.parse(task?.result ?? 'null') as { bootCheckVms?: BootCheckVm[] } | null)?.bootCheckVms ?? [];
}
async function setTrackedVms(taskId: string, vms: BootCheckVm[]): Promise<void> {
  await db().task.update({ where: { id: taskId }, data: { result: JSON.stringify({ bootCheckVms: vms }) } });
}
const track = (taskId: string) => async (vm: BootCheckVm, state: 'creating' | 'deleted') => {
  const others = (await trackedVms(taskId)).filter((v) => v.id !== vm.id);
  await setTrackedVms(taskId, state === 'creating' ? [...others, vm] : others);
};

// A2's boot health check: restore into a throwaway VM, boot it, wait for the guest, delete it.
async function bootCheckPoint(ctx: TaskContext, point: RestorePoint): Promise<{ ok: boolean; message: string }> {
  await ctx.step(`${point.vmName}: boot check (restore into a temporary VM and wait for the guest)`);
  try {
    const r = await bootCheck(point.id, { step: (m, level) => ctx.step(m, level), track: track(ctx.id) });
    return { ok: r.ok, message: r.message };
  } catch (err) {
    return { ok: false, message: errorMessage(err) };
  }
}

async function verifyOne(ctx: TaskContext, pointId: string, boot: boolean): Promise<boolean> {
  await waitForRetention(pointId, (m) => ctx.step(m));
  const point = await db().restorePoint.findUnique({ where: { id: pointId } });
  if (!point) {
    await ctx.step(`Restore point ${pointId} is gone (pruned?); skipped`, 'warn');
    return true;
  }
  let r: { ok: boolean; message: string };
  try {
    r = await verifyChain(point);
  } catch (err) {
    r = { ok: false, message: errorMessage(err) };
  }
  let verifyState = r.ok ? 'ok' : 'failed';
  await ctx.step(
    `${point.vmName} ${point.takenAt.toISOString()}: ${r.ok ? 'checksums OK' : 'FAILED'}: ${r.message}`,
    r.ok ? 'info' : 'error',
  );
  if (r.ok && boot) {
    const b = await bootCheckPoint(ctx, point);
    verifyState = b.ok ? 'boot-ok' : 'boot-failed';
    r = { ok: b.ok, message: `${r.message}; boot check: ${b.message}` };
  }
  await db().restorePoint.update({
    where: { id: point.id },
    data: { verifyState, verifyMessage: r.message, verifiedAt: new Date() },
  });
  await recordAudit({
    actor: ctx.actor,
    action: 'restore-point.verify',
    target: { type: 'restore-point', id: point.id, name: point.vmName },
    result: r.ok ? 'succeeded' : 'failed',
    detail: { taskId: ctx.id, verifyState, message: r.message },
  });
  return r.ok;
}

// backup.verify: { pointIds, boot }. Fails the task if any point fails, after checking them all.
// Taken over from a dead worker, it first deletes the boot-check VMs that one left, then checks
// every point again (verifying twice changes nothing).
export const backupVerifyHandler: TaskHandler<'backup.verify'> = async (ctx, { pointIds, boot }) => {
  if (ctx.recovered) {
    const left = await trackedVms(ctx.id);
    const gone = await removeBootCheckVms(left, (m, level) => ctx.step(m, level));
    await setTrackedVms(
      ctx.id,
      left.filter((v) => !gone.includes(v)),
    );
  }
  const failed: string[] = [];
  for (const [i, id] of pointIds.entries()) {
    if (!(await verifyOne(ctx, id, boot))) failed.push(id);
    await ctx.progress((i + 1) / pointIds.length);
  }
  if (failed.length)
    throw new AppError(
      'VERIFY_FAILED',
      `${failed.length} of ${pointIds.length} restore point(s) failed verification: ${failed.join(', ')}`,
      500,
      { failed },
    );
  return { verified: pointIds.length };
};
