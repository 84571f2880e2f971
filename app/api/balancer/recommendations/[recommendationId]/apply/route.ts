import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { recommendationParamSchema } from '@/lib/domain/balancer/schemas';
import { applyRecommendation } from '@/lib/domain/balancer/service';
import { accepted, route } from '@/lib/http/route-handler';
import { parseInput } from '@/lib/http/validation';

export const POST = route<{ recommendationId: string }>(async (_req, params) => {
  const user = await requireUserAllowed('vm.migrate', 'balancer.apply');
  return accepted(await applyRecommendation(user, parseInput(recommendationParamSchema, params).recommendationId));
});
