import { requireUser } from '@/lib/auth/session';
import { getVmTimeline } from '@/lib/domain/snapshots/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (_req, { vmId }) => {
  await requireUser();
  return getVmTimeline(vmId);
});
