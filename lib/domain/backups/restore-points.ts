import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor, enqueueTask, isTaskActive } from '@/lib/domain/tasks/service';
import { conflict, noSuchObject } from '@/lib/errors';
import type { RestorePoint } from '@/lib/generated/prisma/client';
import { planPointDelete } from './chain';
import { activePointDelete, activeReaders, DELETE_POINT_TASK } from './chain-readers';
import { activeJobTasks } from './queries';

export const POINT_TARGET = 'restore-point';
const label = (p: RestorePoint) => `${p.vmName} ${p.takenAt.toISOString()}`;
export const pointTarget = (p: RestorePoint) => ({ type: POINT_TARGET, id: p.id, name: label(p) });

// Re-hash the point's whole chain on an agent (and optionally boot it in a throwaway VM).
export async function verifyRestorePoint(
  user: SessionUser,
  id: string,
  input: { boot: boolean },
): Promise<{ taskId: string }> {
  const point = await db().restorePoint.findUnique({ where: { id } });
  const target = { type: POINT_TARGET, id, name: point ? `${point.vmName} ${point.takenAt.toISOString()}` : null };
  await authorize(user, 'backup.manage', target, 'restore-point.verify');
  if (!point) throw noSuchObject('restore point', id);
  const busy = await activeTaskFor(id);
  if (busy) throw conflict(`Restore point ${id} is already being verified`, { taskId: busy });
  const taskId = await enqueueTask({
    kind: 'backup.verify',
    title: `Verify ${input.boot ? 'and boot-check ' : ''}restore point of ${point.vmName} (${point.takenAt.toISOString()})`,
    target: { type: POINT_TARGET, id },
    payload: { pointIds: [id], boot: input.boot },
    actor: actorOf(user),
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'restore-point.verify',
    target,
    result: 'accepted',
    detail: { taskId, boot: input.boot },
  });
  return { taskId };
}

// A task that reads or writes the point's chain now (a point's descendants share its chainId):
// a restore or verify of any point of it, a backup run of its job (the next incremental builds
// on it), another deletion in it, or the replace-restore a safety point belongs to.
// The chain of a replace-restore's safety point: the task that made it (and may still revert it).
const SAFETY_CHAIN = 'restore-task:';
export const safetyChainId = (taskId: string) => `${SAFETY_CHAIN}${taskId}`;

export async function chainInUse(
  point: RestorePoint,
  exceptTaskId?: string,
): Promise<{ taskId: string; kind: string } | null> {
  const readers = await activeReaders();
  for (const p of await db().restorePoint.findMany({ where: { chainId: point.chainId }, select: { id: true } })) {
    const r = readers.get(p.id);
    if (r) return r;
  }
  const backup = point.jobId ? (await activeJobTasks([point.jobId])).get(point.jobId) : undefined;
  if (backup) return { taskId: backup, kind: 'backup.run' };
  const deletion = await activePointDelete(point.chainId, exceptTaskId);
  if (deletion) return { taskId: deletion, kind: DELETE_POINT_TASK };
  // A safety point's chain names its replace-restore task (by the task's own id).
  const restoreTask = point.chainId.startsWith(SAFETY_CHAIN) ? point.chainId.slice(SAFETY_CHAIN.length) : null;
  return restoreTask && (await isTaskActive(restoreTask)) ? { taskId: restoreTask, kind: 'vm.restore' } : null;
}

export function dependantsConflict(point: RestorePoint, dependants: string[]) {
  return conflict(
    `Restore point ${point.id} (${label(point)}) is the backing of ${dependants.join(', ')}: delete it with merge to fold its data into them`,
    { pointId: point.id, dependants },
  );
}

export const chainBusyConflict = (point: RestorePoint, by: { taskId: string; kind: string }) =>
  conflict(
    `The chain of restore point ${point.id} is in use by ${by.kind} task ${by.taskId}; try again when it has finished`,
    { pointId: point.id, ...by },
  );

// Admin-only. A point others are backed by is refused unless `merge` (then its data is merged
// into them, see planPointDelete); a chain in use is refused. The worker does the agent calls
// (rebases can take a while), re-checking both.
export async function deleteRestorePoint(
  user: SessionUser,
  id: string,
  input: { merge: boolean },
): Promise<{ taskId: string; dependants: string[] }> {
  const point = await db().restorePoint.findUnique({ where: { id } });
  const target = point ? pointTarget(point) : { type: POINT_TARGET, id, name: null };
  await authorize(user, 'restore-point.delete', target);
  if (!point) throw noSuchObject('restore point', id);
  const busy = await chainInUse(point);
  if (busy) throw chainBusyConflict(point, busy);
  const points = await db().restorePoint.findMany({ where: { vmId: point.vmId } });
  const { dependants } = planPointDelete(points, id);
  if (dependants.length && !input.merge) throw dependantsConflict(point, dependants);
  const taskId = await enqueueTask({
    kind: DELETE_POINT_TASK,
    title: `Delete restore point of ${label(point)}${dependants.length ? ` (merged into ${dependants.length} point(s))` : ''}`,
    target: { type: POINT_TARGET, id },
    payload: { pointId: id, merge: input.merge, chainId: point.chainId },
    actor: actorOf(user),
  });
  await recordAudit({
    actor: actorOf(user),
    action: DELETE_POINT_TASK,
    target,
    result: 'accepted',
    detail: { taskId, merge: input.merge, dependants },
  });
  return { taskId, dependants };
}
