import { requireUser } from '@/lib/auth/session';
import { listRestorePoints } from '@/lib/domain/backups/queries';
import { restorePointsQuerySchema } from '@/lib/domain/backups/schemas';
import { pageResponse } from '@/lib/http/pagination';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return pageResponse(req, await listRestorePoints(parseQuery(req, restorePointsQuerySchema)));
});
