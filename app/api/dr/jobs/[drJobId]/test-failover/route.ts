import { drTestFailoverSchema } from '@/lib/domain/dr/schemas';
import { testFailover } from '@/lib/domain/dr/failover';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

// { pointId? } -> 202 { taskId, vmId } (vmId: the dr-test copy; discard it with the VM delete).
export const POST = route<{ drJobId: string }>(async (req, { drJobId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.test-failover');
  return accepted(await testFailover(user, drJobId, await parseBody(req, drTestFailoverSchema)));
});
