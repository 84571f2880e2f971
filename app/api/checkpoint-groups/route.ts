import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listGroups } from '@/lib/domain/snapshots/group-queries';
import { createGroupCheckpoint } from '@/lib/domain/snapshots/groups';
import { createGroupSchema } from '@/lib/domain/snapshots/schemas';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listGroups();
});

// { name, memory, vmIds?, tags? } -> 202 { taskId, groupId }.
export const POST = route(async (req) => {
  const user = await requireUserAllowed('snapshot.manage', 'checkpoint-group.take');
  return accepted(await createGroupCheckpoint(user, await parseBody(req, createGroupSchema)));
});
