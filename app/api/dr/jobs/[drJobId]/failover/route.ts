import { drFailoverSchema } from '@/lib/domain/dr/schemas';
import { failover } from '@/lib/domain/dr/failover';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

// { planned, pointId? } -> 202 { taskId }.
export const POST = route<{ drJobId: string }>(async (req, { drJobId }) => {
  const user = await requireUserAllowed('dr.failover');
  return accepted(await failover(user, drJobId, await parseBody(req, drFailoverSchema)));
});
