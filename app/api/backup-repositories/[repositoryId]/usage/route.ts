import { requireUser } from '@/lib/auth/session';
import { repositoryUsage } from '@/lib/domain/backups/queries';
import { usageQuerySchema } from '@/lib/domain/backups/schemas';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ repositoryId: string }>(async (req, { repositoryId }) => {
  rateLimit(await requireUser(), 'repository usage');
  return repositoryUsage(repositoryId, parseQuery(req, usageQuerySchema).range);
});
