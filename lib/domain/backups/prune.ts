import 'server-only';
import { FLATTENED_REASON, rebaseBackupResultSchema } from '@/lib/agent-protocol/backup';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { errorMessage, repositoryUnavailable } from '@/lib/errors';
import type { BackupJob, BackupRepository, RestorePoint } from '@/lib/generated/prisma/client';
import { planPrune, type PruneStep } from './chain';
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
export async function pruneJob(
  job: BackupJob,
  log: Log,
): Promise<{ rebased: number; deleted: number; freedBytes: number }> {
  const points = await db().restorePoint.findMany({ where: { jobId: job.id, kind: { not: 'safety' } } });
  const decisions = decide(points, parseRetention(job.retention), job.timezone);
  const plan = planPrune(
    points,
    [...decisions].filter(([, d]) => d.keep).map(([id]) => id),
  );
  const byId = new Map(points.map((p) => [p.id, p]));
  const busy = await busyChains(
    points,
    plan.steps.map((s) => byId.get(s.pointId)!),
    log,
  );
  const agentOf = repositoryAgents();
  const done = { rebased: 0, deleted: 0, freedBytes: 0 };
  for (const step of plan.steps) {
    const p = byId.get(step.pointId)!;
    if (busy.has(p.chainId)) continue;
    try {
      const r = await applyPruneStep(step, byId, agentOf);
      if (step.op === 'rebase') {
        done.rebased++;
        await log(`Retention: ${p.vmName} point ${p.id}: ${step.reason}`);
        if (r.manifestMissing)
          await log(
            `Retention: ${p.vmName} point ${p.id} has no manifest in the repository (taken before manifests existed)`,
            'warn',
          );
      } else {
        done.deleted++;
        done.freedBytes += r.freedBytes;
        await log(`Retention: deleted ${p.vmName} point ${p.id} (${p.takenAt.toISOString()}): ${step.reason}`);
      }
    } catch (err) {
      await log(
        `Retention stopped at ${step.op} of ${p.id}: ${errorMessage(err)}; the remaining points are kept and the next run retries`,
        'warn',
      );
      break;
    }
  }
  return done;
}

// An agent that reaches a point's repository, the repository rows cached for one plan.
export function repositoryAgents(): (p: RestorePoint) => Promise<AgentClient> {
  const repos = new Map<string, BackupRepository>();
  return async (p) => {
    const repo =
      (p.repositoryId && repos.get(p.repositoryId)) ||
      (p.repositoryId ? await db().backupRepository.findUnique({ where: { id: p.repositoryId } }) : null);
    if (!repo)
      throw repositoryUnavailable(
        p.repositoryId ?? '(none)',
        `restore point ${p.id}'s repository is no longer registered`,
      );
    repos.set(repo.id, repo);
    return repositoryAgent(repo, p.hostId);
  };
}

// One step of a plan from chain.ts (retention, or deleting a single point): a rebase waits for
// the agent's operation, then records the new parent and checksum (the agent rewrote the
// manifest's too); a delete removes the row before the file. `byId` follows the new parents.
export async function applyPruneStep(
  step: PruneStep,
  byId: Map<string, RestorePoint>,
  agentOf: (p: RestorePoint) => Promise<AgentClient>,
): Promise<{ freedBytes: number; manifestMissing: boolean }> {
  const p = byId.get(step.pointId)!;
  const agent = await agentOf(p);
  if (step.op === 'rebase') {
    const onto = step.ontoId ? byId.get(step.ontoId)! : null;
    const op = await agent.rebaseBackup({ path: p.filePath, backingPath: onto?.filePath ?? null });
    const r = rebaseBackupResultSchema.parse((await waitForOperation(agent, op.id)).result);
    await db().restorePoint.update({
      where: { id: p.id },
      data: {
        parentId: onto?.id ?? null,
        kind: onto ? p.kind : 'full',
        fullReason: onto ? p.fullReason : FLATTENED_REASON,
        sha256: r.sha256,
        sizeBytes: BigInt(r.sizeBytes),
      },
    });
    p.parentId = onto?.id ?? null;
    return { freedBytes: 0, manifestMissing: !r.manifestUpdated };
  }
  await db().restorePoint.delete({ where: { id: p.id } });
  await agent.deleteBackupFiles({ paths: [p.filePath] });
  return { freedBytes: Number(p.sizeBytes), manifestMissing: false };
}

// The chains among `touched` that an active reader task reads, each said once in the log.
async function busyChains(points: RestorePoint[], touched: RestorePoint[], log: Log): Promise<Set<string>> {
  const readers = await activeReaders();
  const busy = new Set<string>();
  for (const p of points) {
    const r = readers.get(p.id);
    if (!r || busy.has(p.chainId) || !touched.some((t) => t.chainId === p.chainId)) continue;
    busy.add(p.chainId);
    await log(
      `Retention: skipped the chain of ${p.vmName} point ${p.id} for now: ${r.kind} task ${r.taskId} reads it; the next run applies the policy to it`,
      'warn',
    );
  }
  return busy;
}
