import { requireUser } from '@/lib/auth/session';
import { getPlan } from '@/lib/domain/dr/plan-queries';
import { deletePlan, updatePlan } from '@/lib/domain/dr/plans';
import { updateFailoverPlanSchema } from '@/lib/domain/dr/schemas';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { parseBody, route } from '@/lib/http/route-handler';

type P = { planId: string };

// -> 200 FailoverPlanDto.
export const GET = route<P>(async (_req, { planId }) => {
  await requireUser();
  return getPlan(planId);
});

// -> 200 FailoverPlanDto.
export const PATCH = route<P>(async (req, { planId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.plan.update');
  return updatePlan(user, planId, await parseBody(req, updateFailoverPlanSchema));
});

// -> 204.
export const DELETE = route<P>(async (_req, { planId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.plan.delete');
  await deletePlan(user, planId);
  return new Response(null, { status: 204 });
});
