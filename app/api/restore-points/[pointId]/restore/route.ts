import { requireUser } from '@/lib/auth/session';
import { pointIdParamSchema, restoreRequestSchema } from '@/lib/domain/restores/schemas';
import { restorePoint } from '@/lib/domain/restores/service';
import { parseInput } from '@/lib/http/validation';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const POST = route<{ pointId: string }>(async (req, params) => {
  const user = await requireUser();
  const { pointId } = parseInput(pointIdParamSchema, params);
  return accepted(await restorePoint(user, pointId, await parseBody(req, restoreRequestSchema)));
});
