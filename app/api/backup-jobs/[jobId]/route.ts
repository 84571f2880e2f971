import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { deleteJob, updateJob } from '@/lib/domain/backups/jobs';
import { getJob } from '@/lib/domain/backups/queries';
import { updateJobSchema } from '@/lib/domain/backups/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

type P = { jobId: string };

export const GET = route<P>(async (_req, { jobId }) => {
  await requireUser();
  return getJob(jobId);
});

// Also enable/disable: PATCH { enabled }.
export const PATCH = route<P>(async (req, { jobId }) => {
  const user = await requireUserAllowed('backup.manage', 'backup-job.update');
  return updateJob(user, jobId, await parseBody(req, updateJobSchema));
});

export const DELETE = route<P>(async (_req, { jobId }) => {
  const user = await requireUserAllowed('backup.manage', 'backup-job.delete');
  await deleteJob(user, jobId);
  return new Response(null, { status: 204 });
});
