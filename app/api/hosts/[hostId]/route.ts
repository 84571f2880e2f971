import { requireUser } from '@/lib/auth/session';
import { getHost } from '@/lib/domain/hosts/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route<{ hostId: string }>(async (_req, { hostId }) => {
  await requireUser();
  return getHost(hostId);
});
