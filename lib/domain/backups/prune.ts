import 'server-only';
import { rebaseBackupResultSchema } from '@/lib/agent/backup/protocol';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { errorMessage } from '@/lib/errors';
import type { BackupJob, BackupRepository, RestorePoint } from '@/lib/generated/prisma/client';
import { planPrune } from './chain';
import { parseRetention } from './mappers';
import { decide } from './preview';
import { repositoryAgent } from './repository-check';

type Log = (message: string, level?: 'info' | 'warn' | 'error') => Promise<void>;

// Applies the job's retention to its points: rebases first (kept points stop depending on the
// expiring ones), then deletes newest first. The row goes before the file, so a failure leaves at
// worst an unregistered file, never a registered point without its file. The first failure stops
// the plan: what remains is consistent and the next prune retries.
export async function pruneJob(job: BackupJob, log: Log): Promise<{ rebased: number; deleted: number; freedBytes: number }> {
  const points = await db().restorePoint.findMany({ where: { jobId: job.id, kind: { not: 'safety' } } });
  const decisions = decide(points, parseRetention(job.retention), job.timezone);
  const plan = planPrune(points, [...decisions].filter(([, d]) => d.keep).map(([id]) => id));
  const byId = new Map(points.map((p) => [p.id, p]));
  const repos = new Map<string, BackupRepository>();
  const agentOf = async (p: RestorePoint) => {
    const repo = repos.get(p.repositoryId!) ?? (await db().backupRepository.findUniqueOrThrow({ where: { id: p.repositoryId! } }));
    repos.set(repo.id, repo);
    return repositoryAgent(repo, p.hostId);
  };
  const done = { rebased: 0, deleted: 0, freedBytes: 0 };
  for (const step of plan.steps) {
    const p = byId.get(step.pointId)!;
    try {
      const agent = await agentOf(p);
      if (step.op === 'rebase') {
        const onto = step.ontoId ? byId.get(step.ontoId)! : null;
        const op = await agent.rebaseBackup({ path: p.filePath, backingPath: onto?.filePath ?? null });
        const r = rebaseBackupResultSchema.parse((await waitForOperation(agent, op.id)).result);
        await db().restorePoint.update({
          where: { id: p.id },
          data: { parentId: onto?.id ?? null, kind: onto ? p.kind : 'full', fullReason: onto ? p.fullReason : 'flattened when its older points expired', sha256: r.sha256, sizeBytes: BigInt(r.sizeBytes) },
        });
        p.parentId = onto?.id ?? null;
        done.rebased++;
        await log(`Retention: ${p.vmName} point ${p.id}: ${step.reason}`);
      } else {
        await db().restorePoint.delete({ where: { id: p.id } });
        await agent.deleteBackupFiles({ paths: [p.filePath] });
        done.deleted++;
        done.freedBytes += Number(p.sizeBytes);
        await log(`Retention: deleted ${p.vmName} point ${p.id} (${p.takenAt.toISOString()}): ${step.reason}`);
      }
    } catch (err) {
      await log(`Retention stopped at ${step.op} of ${p.id}: ${errorMessage(err)}; the remaining points are kept and the next run retries`, 'warn');
      break;
    }
  }
  return done;
}
