import { deleteRestorePoint } from '@/lib/domain/backups/restore-points';
import { deletePointQuerySchema } from '@/lib/domain/backups/schemas';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, parseQuery, route } from '@/lib/http/route-handler';

// DELETE ?merge=true -> 202 { taskId, dependants }.
export const DELETE = route<{ pointId: string }>(async (req, { pointId }) => {
  const user = await requireUserAllowed('restore-point.delete');
  return accepted(await deleteRestorePoint(user, pointId, parseQuery(req, deletePointQuerySchema)));
});
