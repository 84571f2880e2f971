import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { resetPasswordSchema } from '@/lib/domain/users/schemas';
import { resetPassword } from '@/lib/domain/users/service';
import { parseBody, route } from '@/lib/http/route-handler';

export const POST = route<{ userId: string }>(async (req, { userId }) => {
  const user = await requireUserAllowed('user.manage', 'user.reset-password');
  return resetPassword(user, userId, await parseBody(req, resetPasswordSchema));
});
