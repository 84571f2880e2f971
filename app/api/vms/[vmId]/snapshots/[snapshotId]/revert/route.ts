import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { revertSnapshot } from '@/lib/domain/snapshots/service';
import { accepted, route } from '@/lib/http/route-handler';

// No choice to make (a checkpoint comes back as it was, a disk snapshot of a running VM restarts
// it; any body is ignored) -> 202 { taskId }.
export const POST = route<{ vmId: string; snapshotId: string }>(async (_req, { vmId, snapshotId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'snapshot.revert');
  return accepted(await revertSnapshot(user, vmId, snapshotId));
});
