import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { getHaPolicy } from '@/lib/domain/ha/policy';
import { haPolicySchema } from '@/lib/domain/ha/schemas';
import { updateHaPolicy } from '@/lib/domain/ha/service';
import { parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return getHaPolicy();
});

export const PUT = route(async (req) => {
  const user = await requireUserAllowed('ha.manage', 'ha.policy.update');
  return updateHaPolicy(user, await parseBody(req, haPolicySchema));
});
