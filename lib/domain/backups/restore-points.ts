import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor, enqueueTask } from '@/lib/domain/tasks/service';
import { conflict, noSuchObject } from '@/lib/errors';

export const POINT_TARGET = 'restore-point';

// Re-hash the point's whole chain on an agent (and optionally boot it in a throwaway VM).
export async function verifyRestorePoint(user: SessionUser, id: string, input: { boot: boolean }): Promise<{ taskId: string }> {
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
  await recordAudit({ actor: actorOf(user), action: 'restore-point.verify', target, result: 'accepted', detail: { taskId, boot: input.boot } });
  return { taskId };
}
