import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { deleteSnapshot } from '@/lib/domain/snapshots/service';
import { accepted, route } from '@/lib/http/route-handler';

// -> 202 { taskId }; 409 POINT_IN_USE while linked clones depend on it or it is a branch point.
export const DELETE = route<{ vmId: string; snapshotId: string }>(async (_req, { vmId, snapshotId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'snapshot.delete');
  return accepted(await deleteSnapshot(user, vmId, snapshotId));
});
