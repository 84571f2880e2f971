import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { applyAll } from '@/lib/domain/balancer/service';
import { route } from '@/lib/http/route-handler';

export const POST = route(async () => {
  const user = await requireUserAllowed('vm.migrate', 'balancer.apply');
  return applyAll(user);
});
