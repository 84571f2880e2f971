import { requireUser } from '@/lib/auth/session';
import { listHosts } from '@/lib/domain/hosts/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listHosts();
});
