import { requireUser } from '@/lib/auth/session';
import { drOverview } from '@/lib/domain/dr/queries';
import { drOverviewQuerySchema } from '@/lib/domain/dr/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

// -> 200 DrOverviewDto (?windowSec=: the lag series window, default one hour).
export const GET = route(async (req) => {
  await requireUser();
  return drOverview(parseQuery(req, drOverviewQuerySchema).windowSec);
});
