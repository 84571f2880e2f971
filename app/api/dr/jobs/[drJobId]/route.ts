import { requireUser } from '@/lib/auth/session';
import { getJob } from '@/lib/domain/dr/queries';
import { drOverviewQuerySchema, updateReplicationJobSchema } from '@/lib/domain/dr/schemas';
import { removeJob, updateJob } from '@/lib/domain/dr/service';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { parseBody, parseQuery, route } from '@/lib/http/route-handler';

type P = { drJobId: string };

// -> 200 DrJobDetailDto (?windowSec=: the lag series window).
export const GET = route<P>(async (req, { drJobId }) => {
  await requireUser();
  return getJob(drJobId, parseQuery(req, drOverviewQuerySchema).windowSec);
});

// -> 200 DrJobDto.
export const PATCH = route<P>(async (req, { drJobId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.job.update');
  return updateJob(user, drJobId, await parseBody(req, updateReplicationJobSchema));
});

// Removes the replica on the target too -> 204.
export const DELETE = route<P>(async (_req, { drJobId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.job.delete');
  await removeJob(user, drJobId);
  return new Response(null, { status: 204 });
});
