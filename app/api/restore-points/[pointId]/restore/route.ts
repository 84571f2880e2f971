import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { pointIdParamSchema, restoreRequestSchema } from '@/lib/domain/restores/schemas';
import { RESTORE_TASK, restorePoint } from '@/lib/domain/restores/service';
import { parseInput } from '@/lib/http/validation';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const POST = route<{ pointId: string }>(async (req, params) => {
  const user = await requireUserAllowed('backup.restore', RESTORE_TASK);
  const { pointId } = parseInput(pointIdParamSchema, params);
  return accepted(await restorePoint(user, pointId, await parseBody(req, restoreRequestSchema)));
});
