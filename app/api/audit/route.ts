import { requireUser } from '@/lib/auth/session';
import { listAuditEvents, listAuditQuerySchema } from '@/lib/domain/audit/queries';
import { pageResponse } from '@/lib/http/pagination';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return pageResponse(req, await listAuditEvents(parseQuery(req, listAuditQuerySchema)));
});
