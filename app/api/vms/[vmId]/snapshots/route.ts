import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { getVmSnapshots } from '@/lib/domain/snapshots/queries';
import { takeSnapshotSchema } from '@/lib/domain/snapshots/schemas';
import { takeSnapshot } from '@/lib/domain/snapshots/service';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

type P = { vmId: string };

// The VM's snapshot tree, "you are here", linked clones and what its agent says it can take now.
export const GET = route<P>(async (_req, { vmId }) => {
  await requireUser();
  return getVmSnapshots(vmId);
});

// { name, description?, memory } -> 202 { taskId, snapshotId }.
export const POST = route<P>(async (req, { vmId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'snapshot.take');
  return accepted(await takeSnapshot(user, vmId, await parseBody(req, takeSnapshotSchema)));
});
