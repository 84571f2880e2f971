import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { runBalancer } from '@/lib/domain/balancer/service';
import { route } from '@/lib/http/route-handler';

export const POST = route(async () => {
  const user = await requireUserAllowed('vm.migrate', 'balancer.run');
  return runBalancer(user);
});
