import 'server-only';
import { db } from '@/lib/db/client';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { timeout } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { JOB_TARGET } from './queries';

// Retention rebases chain files in place and deletes them; restores, verifies and boot checks
// read them. Two-sided, so neither misses the other: retention skips every chain that an active
// reader task (queued or running) names, and a reader that starts while a retention of its job
// runs waits for it to end. Whichever comes second sees the first.

const ACTIVE = [TASK_STATE.queued, TASK_STATE.running];

export type ChainReader = { taskId: string; kind: string };

// Active reader tasks by the restore point they read (with its chain): vm.restore (new or
// replace) reads payload.pointId; backup.verify (boot check included) reads payload.pointIds.
export async function activeReaders(): Promise<Map<string, ChainReader>> {
  const tasks = await db().task.findMany({ where: { kind: { in: ['vm.restore', 'backup.verify'] }, state: { in: ACTIVE } }, select: { id: true, kind: true, payload: true } });
  const readers = new Map<string, ChainReader>();
  for (const t of tasks) {
    const p = JSON.parse(t.payload) as { pointId?: string; pointIds?: string[] };
    for (const id of p.pointIds ?? [p.pointId]) if (id) readers.set(id, { taskId: t.id, kind: t.kind });
  }
  return readers;
}

// Retention runs at the end of a backup.run, after the run's row is finished
// (lib/worker/handlers/backup-run.ts): such a task still running is a retention in progress.
async function retentionTask(jobId: string): Promise<string | null> {
  const tasks = await db().task.findMany({ where: { kind: 'backup.run', targetType: JOB_TARGET, targetId: jobId, state: TASK_STATE.running }, select: { id: true } });
  if (!tasks.length) return null;
  const run = await db().backupRun.findFirst({ where: { taskId: { in: tasks.map((t) => t.id) }, finishedAt: { not: null } }, select: { taskId: true } });
  return run?.taskId ?? null;
}

// Deleting one restore point (restore-points.ts) rewrites its chain like a retention does; the
// task's payload names the chain.
export const DELETE_POINT_TASK = 'restore-point.delete';

export async function activePointDelete(chainId: string, exceptTaskId?: string): Promise<string | null> {
  const tasks = await db().task.findMany({ where: { kind: DELETE_POINT_TASK, state: { in: ACTIVE }, id: { not: exceptTaskId } }, select: { id: true, payload: true } });
  return tasks.find((t) => (JSON.parse(t.payload) as { chainId?: string }).chainId === chainId)?.id ?? null;
}

// Called by a reader before it reads the point's chain (the point itself may be gone afterwards:
// the retention or a deletion may have removed it before the reader's task existed).
export async function waitForRetention(pointId: string, step: (message: string) => Promise<unknown>, { timeoutMs = 30 * 60_000, pollMs = 1000 } = {}): Promise<void> {
  const point = await db().restorePoint.findUnique({ where: { id: pointId }, select: { jobId: true, chainId: true } });
  if (!point) return;
  const deadline = Date.now() + timeoutMs;
  for (let said = false; ; said = true) {
    const taskId = (point.jobId ? await retentionTask(point.jobId) : null) ?? (await activePointDelete(point.chainId));
    if (!taskId) return;
    if (!said) await step(`Waiting for task ${taskId} (retention or deletion in this point's chain) to finish before reading its files`);
    if (Date.now() > deadline) throw timeout(`Task ${taskId} rewriting the chain of restore point ${pointId}`, Math.round(timeoutMs / 1000));
    await sleep(pollMs);
  }
}
