import { requireUser } from '@/lib/auth/session';
import { pointStats } from '@/lib/domain/snapshots/queries';
import { pointStatsQuerySchema } from '@/lib/domain/snapshots/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

// ?days=30: points taken per day and kind (backups, snapshots, checkpoints, group checkpoints).
export const GET = route(async (req) => {
  await requireUser();
  return pointStats(parseQuery(req, pointStatsQuerySchema).days);
});
