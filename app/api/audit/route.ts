import { requireUser } from '@/lib/auth/session';
import { listAuditEvents, listAuditQuerySchema } from '@/lib/domain/audit/queries';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return listAuditEvents(parseQuery(req, listAuditQuerySchema));
});
