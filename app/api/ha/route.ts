import { requireUser } from '@/lib/auth/session';
import { getHaOverview } from '@/lib/domain/ha/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return getHaOverview();
});
