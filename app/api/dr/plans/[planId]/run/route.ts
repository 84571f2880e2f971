import { runPlan } from '@/lib/domain/dr/plans';
import { runFailoverPlanSchema } from '@/lib/domain/dr/schemas';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

// { kind: 'test' | 'planned' | 'unplanned' } -> 202 { taskId }. Every role that may run any kind
// passes here; the service checks the kind's own permission (planned / unplanned: dr.failover).
export const POST = route<{ planId: string }>(async (req, { planId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.plan.run');
  return accepted(await runPlan(user, planId, await parseBody(req, runFailoverPlanSchema)));
});
