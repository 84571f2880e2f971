import { requireUser } from '@/lib/auth/session';
import { runBalancer } from '@/lib/domain/balancer/service';
import { route } from '@/lib/http/route-handler';

export const POST = route(async () => {
  const user = await requireUser();
  return runBalancer(user);
});
