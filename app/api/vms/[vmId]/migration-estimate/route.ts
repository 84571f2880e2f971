import { requireUser } from '@/lib/auth/session';
import { estimateMigration } from '@/lib/domain/migrations/queries';
import { migrationEstimateQuerySchema } from '@/lib/domain/migrations/schemas';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (req, { vmId }) => {
  rateLimit(await requireUser(), 'migration estimate');
  return estimateMigration(vmId, parseQuery(req, migrationEstimateQuerySchema).targetHostId);
});
