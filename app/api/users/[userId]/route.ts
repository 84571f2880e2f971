import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { updateUserSchema } from '@/lib/domain/users/schemas';
import { deleteUser, updateUser } from '@/lib/domain/users/service';
import { parseBody, route } from '@/lib/http/route-handler';

export const PATCH = route<{ userId: string }>(async (req, { userId }) => {
  const user = await requireUserAllowed('user.manage', 'user.update');
  return updateUser(user, userId, await parseBody(req, updateUserSchema));
});

export const DELETE = route<{ userId: string }>(async (_req, { userId }) => {
  const user = await requireUserAllowed('user.manage', 'user.delete');
  return deleteUser(user, userId);
});
