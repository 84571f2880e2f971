import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { verifyRestorePoint } from '@/lib/domain/backups/restore-points';
import { verifyPointSchema } from '@/lib/domain/backups/schemas';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const POST = route<{ pointId: string }>(async (req, { pointId }) => {
  const user = await requireUserAllowed('backup.manage', 'restore-point.verify');
  return accepted(await verifyRestorePoint(user, pointId, await parseBody(req, verifyPointSchema)));
});
