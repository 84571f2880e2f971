import { NextResponse } from 'next/server';
import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { createJob } from '@/lib/domain/backups/jobs';
import { listJobs } from '@/lib/domain/backups/queries';
import { createJobSchema } from '@/lib/domain/backups/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listJobs();
});

export const POST = route(async (req) => {
  const user = await requireUserAllowed('backup.manage', 'backup-job.create');
  return NextResponse.json(await createJob(user, await parseBody(req, createJobSchema)), { status: 201 });
});
