import { NextResponse } from 'next/server';
import { requireUser } from '@/lib/auth/session';
import { listPlans } from '@/lib/domain/dr/plan-queries';
import { createPlan } from '@/lib/domain/dr/plans';
import { createFailoverPlanSchema } from '@/lib/domain/dr/schemas';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { parseBody, route } from '@/lib/http/route-handler';

// -> 200 FailoverPlanDto[].
export const GET = route(async () => {
  await requireUser();
  return listPlans();
});

// -> 201 FailoverPlanDto.
export const POST = route(async (req) => {
  const user = await requireUserAllowed('dr.manage', 'dr.plan.create');
  return NextResponse.json(await createPlan(user, await parseBody(req, createFailoverPlanSchema)), { status: 201 });
});
