import { requireUser } from '@/lib/auth/session';
import { listRuns } from '@/lib/domain/balancer/queries';
import { runsQuerySchema } from '@/lib/domain/balancer/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return listRuns(parseQuery(req, runsQuerySchema).limit);
});
