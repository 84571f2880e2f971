import 'server-only';
import path from 'node:path';
import { manifestPathOf } from '@/lib/agent-protocol/backup';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { conflict, errorMessage, noSuchObject } from '@/lib/errors';
import { activePointDelete, activeReaders } from './chain-readers';
import { repositoryAgent } from './repository-check';
import type { DeleteRepositoryQuery } from './schemas';

// Points per agent call (two paths each, file and manifest; the agent takes at most 1000).
const DELETE_BATCH = 200;

// Removes a repository. Jobs using it always block (409 naming them). Points in it need an
// explicit mode: deletePoints removes every point's files through an agent (newest first, so an
// incremental goes before the file it is backed by) and each batch's rows right after; keepFiles
// only unregisters them (rows removed, files left where the audit says).
export async function deleteRepository(
  user: SessionUser,
  id: string,
  query: DeleteRepositoryQuery = {},
): Promise<void> {
  const repo = await db().backupRepository.findUnique({ where: { id } });
  const target = { type: 'backup-repository', id, name: repo?.name };
  await authorize(user, 'repository.manage', target, 'repository.delete');
  if (!repo) throw noSuchObject('backup repository', id);
  const jobs = await db().backupJob.findMany({ where: { repositoryId: id }, select: { id: true, name: true } });
  if (jobs.length)
    throw conflict(
      `Repository ${repo.name} is used by job(s) ${jobs.map((j) => j.name).join(', ')}; delete them or point them at another repository first`,
      { jobs },
    );
  const points = await db().restorePoint.findMany({
    where: { repositoryId: id },
    orderBy: { takenAt: 'desc' },
    select: { id: true, chainId: true, filePath: true, sizeBytes: true },
  });
  const bytes = points.reduce((sum, p) => sum + Number(p.sizeBytes), 0);
  if (points.length && !query.mode) {
    throw conflict(
      `Repository ${repo.name} holds ${points.length} restore point(s) (${bytes} bytes): choose mode deletePoints (delete their files) or keepFiles (unregister them, files stay)`,
      { points: points.length, bytes },
    );
  }
  await assertNoReaders(repo.name, points);

  const detail = { path: repo.path, mode: query.mode ?? null, points: points.length, bytes };
  if (query.mode === 'deletePoints' && points.length) {
    const agent = await repositoryAgent(repo);
    let deleted = 0;
    try {
      for (let i = 0; i < points.length; i += DELETE_BATCH) {
        const batch = points.slice(i, i + DELETE_BATCH);
        await agent.deleteBackupFiles({ paths: batch.flatMap((p) => [p.filePath, manifestPathOf(p.filePath)]) });
        await db().restorePoint.deleteMany({ where: { id: { in: batch.map((p) => p.id) } } });
        deleted += batch.length;
      }
    } catch (err) {
      await recordAudit({
        actor: actorOf(user),
        action: 'repository.delete',
        target,
        result: 'failed',
        detail: { ...detail, deletedPoints: deleted, error: errorMessage(err) },
      });
      throw err;
    }
  }
  const vmDirs = [...new Set(points.map((p) => path.dirname(p.filePath)))];
  await db().$transaction([
    db().restorePoint.deleteMany({ where: { repositoryId: id } }),
    db().backupRepository.delete({ where: { id } }),
  ]);
  await recordAudit({
    actor: actorOf(user),
    action: 'repository.delete',
    target,
    result: 'succeeded',
    detail: query.mode === 'keepFiles' ? { ...detail, filesLeftIn: vmDirs } : detail,
  });
}

// A restore, verify or single-point deletion still reading or rewriting one of its chains: 409.
async function assertNoReaders(name: string, points: { id: string; chainId: string }[]): Promise<void> {
  const readers = await activeReaders();
  const reading = points.map((p) => readers.get(p.id)).find((r) => r);
  if (reading)
    throw conflict(
      `Task ${reading.taskId} (${reading.kind}) is reading restore points of repository ${name}; wait for it to finish`,
      { taskId: reading.taskId },
    );
  for (const chainId of new Set(points.map((p) => p.chainId))) {
    const taskId = await activePointDelete(chainId);
    if (taskId)
      throw conflict(`Task ${taskId} is deleting a restore point of repository ${name}; wait for it to finish`, {
        taskId,
      });
  }
}
