import { failback } from '@/lib/domain/dr/failback';
import { drFailbackSchema } from '@/lib/domain/dr/schemas';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

// { action: 'start' | 'complete' } -> 202 { taskId } (start: the first reverse run; complete: the switch back).
export const POST = route<{ drJobId: string }>(async (req, { drJobId }) => {
  const user = await requireUserAllowed('dr.failover', 'dr.failback');
  return accepted(await failback(user, drJobId, await parseBody(req, drFailbackSchema)));
});
