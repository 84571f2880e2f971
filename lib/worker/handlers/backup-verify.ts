import 'server-only';
import { verifyBackupResultSchema } from '@/lib/agent/backup/protocol';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { chainOf } from '@/lib/domain/backups/chain';
import { waitForRetention } from '@/lib/domain/backups/chain-readers';
import { bootCheck } from '@/lib/domain/restores/boot-check';
import { repositoryAgent } from '@/lib/domain/backups/repository-check';
import { AppError, errorMessage } from '@/lib/errors';
import type { RestorePoint } from '@/lib/generated/prisma/client';
import type { TaskContext, TaskHandler } from '../context';

// Re-hashes every file a restore of the point reads (its whole chain) against the manifest.
async function verifyChain(point: RestorePoint): Promise<{ ok: boolean; message: string }> {
  const points = await db().restorePoint.findMany({ where: { vmId: point.vmId } });
  const chain = chainOf(points, point.id);
  if (chain[0].parentId) return { ok: false, message: `chain broken: parent ${chain[0].parentId} of ${chain[0].id} is not registered` };
  const repo = point.repositoryId ? await db().backupRepository.findUnique({ where: { id: point.repositoryId } }) : null;
  if (!repo) return { ok: false, message: 'its repository is no longer registered' };
  const agent = await repositoryAgent(repo, point.hostId);
  const op = await agent.verifyBackupFiles({ repository: repo.path, files: chain.map((p) => ({ path: p.filePath, sha256: p.sha256 })) });
  const { files } = verifyBackupResultSchema.parse((await waitForOperation(agent, op.id)).result);
  const bad = files.filter((f) => !f.ok);
  if (bad.length) return { ok: false, message: bad.map((f) => `${f.path}: ${f.error ?? `sha256 ${f.actualSha256} does not match`}`).join('; ') };
  return { ok: true, message: `${files.length} file(s) of the chain match their SHA-256 (checked on ${agent.hostName})` };
}

// A2's boot health check: restore into a throwaway VM, boot it, wait for the guest, delete it.
async function bootCheckPoint(ctx: TaskContext, point: RestorePoint): Promise<{ ok: boolean; message: string }> {
  await ctx.step(`${point.vmName}: boot check (restore into a temporary VM and wait for the guest)`);
  try {
    const r = await bootCheck(point.id, (m) => ctx.step(m));
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
  await ctx.step(`${point.vmName} ${point.takenAt.toISOString()}: ${r.ok ? 'checksums OK' : 'FAILED'}: ${r.message}`, r.ok ? 'info' : 'error');
  if (r.ok && boot) {
    const b = await bootCheckPoint(ctx, point);
    verifyState = b.ok ? 'boot-ok' : 'boot-failed';
    r = { ok: b.ok, message: `${r.message}; boot check: ${b.message}` };
  }
  await db().restorePoint.update({ where: { id: point.id }, data: { verifyState, verifyMessage: r.message, verifiedAt: new Date() } });
  await recordAudit({ actor: ctx.actor, action: 'restore-point.verify', target: { type: 'restore-point', id: point.id, name: point.vmName }, result: r.ok ? 'succeeded' : 'failed', detail: { taskId: ctx.id, verifyState, message: r.message } });
  return r.ok;
}

// backup.verify: { pointIds, boot }. Fails the task if any point fails, after checking them all.
export const backupVerifyHandler: TaskHandler = async (ctx, payload) => {
  const pointIds = (payload.pointIds as string[]) ?? [];
  const boot = payload.boot === true;
  const failed: string[] = [];
  for (const [i, id] of pointIds.entries()) {
    if (!(await verifyOne(ctx, id, boot))) failed.push(id);
    await ctx.progress((i + 1) / pointIds.length);
  }
  if (failed.length) throw new AppError('VERIFY_FAILED', `${failed.length} of ${pointIds.length} restore point(s) failed verification: ${failed.join(', ')}`, 500, { failed });
  return { verified: pointIds.length };
};
