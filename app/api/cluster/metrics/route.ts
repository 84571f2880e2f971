import { requireUser } from '@/lib/auth/session';
import { clusterSeries } from '@/lib/domain/metrics/queries';
import { rangeQuerySchema } from '@/lib/domain/metrics/schemas';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  rateLimit(await requireUser(), 'metrics');
  return clusterSeries(parseQuery(req, rangeQuerySchema).range);
});
