import { runNow } from '@/lib/domain/dr/service';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, route } from '@/lib/http/route-handler';

// Run now -> 202 { taskId }.
export const POST = route<{ drJobId: string }>(async (_req, { drJobId }) => {
  const user = await requireUserAllowed('dr.manage', 'dr.run');
  return accepted(await runNow(user, drJobId));
});
