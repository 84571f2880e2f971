import { requireUser } from '@/lib/auth/session';
import { hostSummary } from '@/lib/domain/hosts/summary';
import { route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return hostSummary();
});
