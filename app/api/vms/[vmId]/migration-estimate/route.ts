import { requireUser } from '@/lib/auth/session';
import { estimateMigration } from '@/lib/domain/migrations/queries';
import { migrationEstimateQuerySchema } from '@/lib/domain/migrations/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (req, { vmId }) => {
  await requireUser();
  return estimateMigration(vmId, parseQuery(req, migrationEstimateQuerySchema).targetHostId);
});
