import { requireUser } from '@/lib/auth/session';
import { repositoryUsage } from '@/lib/domain/backups/queries';
import { usageQuerySchema } from '@/lib/domain/backups/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ repositoryId: string }>(async (req, { repositoryId }) => {
  await requireUser();
  return repositoryUsage(repositoryId, parseQuery(req, usageQuerySchema).range);
});
