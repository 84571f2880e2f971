import 'server-only';
import { FLATTENED_REASON, rebaseBackupResultSchema } from '@/lib/agent/backup/protocol';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { errorMessage } from '@/lib/errors';
import type { BackupJob, BackupRepository, RestorePoint } from '@/lib/generated/prisma/client';
import { planPrune } from './chain';
import { activeReaders } from './chain-readers';
import { parseRetention } from './mappers';
import { decide } from './preview';
import { repositoryAgent } from './repository-check';

type Log = (message: string, level?: 'info' | 'warn' | 'error') => Promise<void>;

// Applies the job's retention to its points: rebases first (kept points stop depending on the
// expiring ones), then deletes newest first. The row goes before the file, so a failure leaves at
// worst an unregistered file, never a registered point without its file. The first failure stops
// the plan: what remains is consistent and the next prune retries. A chain that a restore, verify
// or boot check is reading (chain-readers.ts) is left as it is until the next prune.
export async function pruneJob(job: BackupJob, log: Log): Promise<{ rebased: number; deleted: number; freedBytes: number }> {
  const points = await db().restorePoint.findMany({ where: { jobId: job.id, kind: { not: 'safety' } } });
  const decisions = decide(points, parseRetention(job.retention), job.timezone);
  const plan = planPrune(points, [...decisions].filter(([, d]) => d.keep).map(([id]) => id));
  const byId = new Map(points.map((p) => [p.id, p]));
  const busy = await busyChains(points, plan.steps.map((s) => byId.get(s.pointId)!), log);
  const repos = new Map<string, BackupRepository>();
  const agentOf = async (p: RestorePoint) => {
    const repo = repos.get(p.repositoryId!) ?? (await db().backupRepository.findUniqueOrThrow({ where: { id: p.repositoryId! } }));
    repos.set(repo.id, repo);
    return repositoryAgent(repo, p.hostId);
  };
  const done = { rebased: 0, deleted: 0, freedBytes: 0 };
  for (const step of plan.steps) {
    const p = byId.get(step.pointId)!;
    if (busy.has(p.chainId)) continue;
    try {
      const agent = await agentOf(p);
      if (step.op === 'rebase') {
        const onto = step.ontoId ? byId.get(step.ontoId)! : null;
        const op = await agent.rebaseBackup({ path: p.filePath, backingPath: onto?.filePath ?? null });
        const r = rebaseBackupResultSchema.parse((await waitForOperation(agent, op.id)).result);
        await db().restorePoint.update({
          where: { id: p.id },
          data: { parentId: onto?.id ?? null, kind: onto ? p.kind : 'full', fullReason: onto ? p.fullReason : FLATTENED_REASON, sha256: r.sha256, sizeBytes: BigInt(r.sizeBytes) },
        });
        p.parentId = onto?.id ?? null;
        done.rebased++;
        await log(`Retention: ${p.vmName} point ${p.id}: ${step.reason}`);
        // The agent rewrote the manifest's parent and checksum in the same operation.
        if (!r.manifestUpdated) await log(`Retention: ${p.vmName} point ${p.id} has no manifest in the repository (taken before manifests existed)`, 'warn');
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

// The chains among `touched` that an active reader task reads, each said once in the log.
async function busyChains(points: RestorePoint[], touched: RestorePoint[], log: Log): Promise<Set<string>> {
  const readers = await activeReaders();
  const busy = new Set<string>();
  for (const p of points) {
    const r = readers.get(p.id);
    if (!r || busy.has(p.chainId) || !touched.some((t) => t.chainId === p.chainId)) continue;
    busy.add(p.chainId);
    await log(`Retention: skipped the chain of ${p.vmName} point ${p.id} for now: ${r.kind} task ${r.taskId} reads it; the next run applies the policy to it`, 'warn');
  }
  return busy;
}
