import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { failoverSchema } from '@/lib/domain/ha/schemas';
import { requestFailover } from '@/lib/domain/ha/service';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

// 202 {taskId, restartId}: the VM's host has failed and the restart is queued; 409 LEASE_HELD otherwise.
export const POST = route<{ vmId: string }>(async (req, { vmId }) => {
  const user = await requireUserAllowed('vm.ha', 'vm.failover');
  return accepted(await requestFailover(user, vmId, await parseBody(req, failoverSchema)));
});
