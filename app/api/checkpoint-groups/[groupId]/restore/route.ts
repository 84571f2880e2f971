import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { restoreGroup } from '@/lib/domain/snapshots/groups';
import { accepted, route } from '@/lib/http/route-handler';

// Every member back to the group's instant -> 202 { taskId }.
export const POST = route<{ groupId: string }>(async (_req, { groupId }) => {
  const user = await requireUserAllowed('snapshot.manage', 'checkpoint-group.restore');
  return accepted(await restoreGroup(user, groupId));
});
