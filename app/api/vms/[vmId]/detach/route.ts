import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { detachClone } from '@/lib/domain/snapshots/service';
import { accepted, route } from '@/lib/http/route-handler';

// Makes a linked clone independent -> 202 { taskId }.
export const POST = route<{ vmId: string }>(async (_req, { vmId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'vm.detach-clone');
  return accepted(await detachClone(user, vmId));
});
