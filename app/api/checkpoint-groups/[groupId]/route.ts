import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { deleteGroup } from '@/lib/domain/snapshots/groups';
import { accepted, route } from '@/lib/http/route-handler';

// Deletes every member snapshot, then the group -> 202 { taskId }.
export const DELETE = route<{ groupId: string }>(async (_req, { groupId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'checkpoint-group.delete');
  return accepted(await deleteGroup(user, groupId));
});
