import 'server-only';
import { db } from '@/lib/db/client';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { tryParseTaskPayload, type TaskKind } from '@/lib/domain/tasks/kinds';
import { timeout } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { JOB_TARGET } from './queries';

// Retention rebases chain files in place and deletes them; restores, verifies and boot checks
// read them. Two-sided, so neither misses the other: retention skips every chain that an active
// reader task (queued or running) names, and a reader that starts while a retention of its job
// runs waits for it to end. Whichever comes second sees the first.

const ACTIVE = [TASK_STATE.queued, TASK_STATE.running];

export type ChainReader = { taskId: string; kind: string };

// The points a reader task reads (with their chains), by the payload schema of its kind. A
// payload the schema refuses reads nothing: the worker fails such a task when it claims it.
function pointsReadBy(t: { kind: string; payload: string }): string[] {
  if (t.kind === 'backup.verify') {
    const r = tryParseTaskPayload('backup.verify', t.payload);
    return r.ok ? r.payload.pointIds : [];
  }
  const r = tryParseTaskPayload('vm.restore', t.payload); // new or replace
  return r.ok ? [r.payload.pointId] : [];
}

// Active reader tasks by the restore point they read: vm.restore and backup.verify (boot check included).
export async function activeReaders(): Promise<Map<string, ChainReader>> {
  const tasks = await db().task.findMany({
    where: { kind: { in: ['vm.restore', 'backup.verify'] }, state: { in: ACTIVE } },
    select: { id: true, kind: true, payload: true },
  });
  const readers = new Map<string, ChainReader>();
  for (const t of tasks) for (const id of pointsReadBy(t)) readers.set(id, { taskId: t.id, kind: t.kind });
  return readers;
}

// Retention runs at the end of a backup.run, after the run's row is finished
// (lib/worker/handlers/backup-run.ts): such a task still running is a retention in progress.
async function retentionTask(jobId: string): Promise<string | null> {
  const tasks = await db().task.findMany({
    where: { kind: 'backup.run', targetType: JOB_TARGET, targetId: jobId, state: TASK_STATE.running },
    select: { id: true },
  });
  if (!tasks.length) return null;
  const run = await db().backupRun.findFirst({
    where: { taskId: { in: tasks.map((t) => t.id) }, finishedAt: { not: null } },
    select: { taskId: true },
  });
  return run?.taskId ?? null;
}

// Deleting one restore point (restore-points.ts) rewrites its chain like a retention does; the
// task's payload names the chain.
export const DELETE_POINT_TASK = 'restore-point.delete' satisfies TaskKind;

export async function activePointDelete(chainId: string, exceptTaskId?: string): Promise<string | null> {
  const tasks = await db().task.findMany({
    where: { kind: DELETE_POINT_TASK, state: { in: ACTIVE }, id: { not: exceptTaskId } },
    select: { id: true, payload: true },
  });
  // As for readers: a payload the schema refuses never runs, so it rewrites nothing.
  return (
    tasks.find((t) => {
      const r = tryParseTaskPayload(DELETE_POINT_TASK, t.payload);
      return r.ok && r.payload.chainId === chainId;
    })?.id ?? null
  );
}

// Called by a reader before it reads the point's chain (the point itself may be gone afterwards:
// the retention or a deletion may have removed it before the reader's task existed).
export async function waitForRetention(
  pointId: string,
  step: (message: string) => Promise<unknown>,
  { timeoutMs = 30 * 60_000, pollMs = 1000 } = {},
): Promise<void> {
  const point = await db().restorePoint.findUnique({ where: { id: pointId }, select: { jobId: true, chainId: true } });
  if (!point) return;
  const deadline = Date.now() + timeoutMs;
  for (let said = false; ; said = true) {
    const taskId = (point.jobId ? await retentionTask(point.jobId) : null) ?? (await activePointDelete(point.chainId));
    if (!taskId) return;
    if (!said)
      await step(
        `Waiting for task ${taskId} (retention or deletion in this point's chain) to finish before reading its files`,
      );
    if (Date.now() > deadline)
      throw timeout(`Task ${taskId} rewriting the chain of restore point ${pointId}`, Math.round(timeoutMs / 1000));
    await sleep(pollMs);
  }
}
