import { requireUser } from '@/lib/auth/session';
import { hostSeries } from '@/lib/domain/metrics/queries';
import { rangeQuerySchema } from '@/lib/domain/metrics/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ hostId: string }>(async (req, { hostId }) => {
  await requireUser();
  return hostSeries(hostId, parseQuery(req, rangeQuerySchema).range);
});
