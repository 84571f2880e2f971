import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { getPolicy } from '@/lib/domain/balancer/queries';
import { balancerPolicySchema } from '@/lib/domain/balancer/schemas';
import { updatePolicy } from '@/lib/domain/balancer/service';
import { parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return getPolicy();
});

export const PUT = route(async (req) => {
  const user = await requireUserAllowed('cluster.manage', 'balancer.policy.update');
  return updatePolicy(user, await parseBody(req, balancerPolicySchema));
});
