import { requireUser } from '@/lib/auth/session';
import { hostSeries } from '@/lib/domain/metrics/queries';
import { rangeQuerySchema } from '@/lib/domain/metrics/schemas';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ hostId: string }>(async (req, { hostId }) => {
  rateLimit(await requireUser(), 'metrics');
  return hostSeries(hostId, parseQuery(req, rangeQuerySchema).range);
});
