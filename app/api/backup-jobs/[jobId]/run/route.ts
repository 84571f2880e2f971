import { requireUser } from '@/lib/auth/session';
import { runJobNow } from '@/lib/domain/backups/jobs';
import { accepted, route } from '@/lib/http/route-handler';

export const POST = route<{ jobId: string }>(async (_req, { jobId }) => {
  const user = await requireUser();
  return accepted(await runJobNow(user, jobId));
});
