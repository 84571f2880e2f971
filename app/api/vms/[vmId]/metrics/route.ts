import { requireUser } from '@/lib/auth/session';
import { vmSeries } from '@/lib/domain/metrics/queries';
import { rangeQuerySchema } from '@/lib/domain/metrics/schemas';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (req, { vmId }) => {
  rateLimit(await requireUser(), 'metrics');
  return vmSeries(vmId, parseQuery(req, rangeQuerySchema).range);
});
