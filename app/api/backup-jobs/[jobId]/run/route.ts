import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { runJobNow } from '@/lib/domain/backups/jobs';
import { accepted, route } from '@/lib/http/route-handler';

export const POST = route<{ jobId: string }>(async (_req, { jobId }) => {
  const user = await requireUserAllowed('backup.manage', 'backup-job.run');
  return accepted(await runJobNow(user, jobId));
});
