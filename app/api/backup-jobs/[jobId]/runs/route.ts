import { requireUser } from '@/lib/auth/session';
import { listRuns } from '@/lib/domain/backups/queries';
import { runsQuerySchema } from '@/lib/domain/backups/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route<{ jobId: string }>(async (req, { jobId }) => {
  await requireUser();
  return listRuns(jobId, parseQuery(req, runsQuerySchema).limit);
});
