import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { cloneSnapshotSchema } from '@/lib/domain/snapshots/schemas';
import { cloneFromSnapshot } from '@/lib/domain/snapshots/service';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

// { name, start } -> 202 { taskId, vmId } (the new linked clone).
export const POST = route<{ vmId: string; snapshotId: string }>(async (req, { vmId, snapshotId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'vm.clone');
  return accepted(await cloneFromSnapshot(user, vmId, snapshotId, await parseBody(req, cloneSnapshotSchema)));
});
