import { NextResponse } from 'next/server';
import { requireUser } from '@/lib/auth/session';
import { listJobs } from '@/lib/domain/dr/queries';
import { createReplicationJobSchema, listDrJobsQuerySchema } from '@/lib/domain/dr/schemas';
import { createJob } from '@/lib/domain/dr/service';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { parseBody, parseQuery, route } from '@/lib/http/route-handler';

// -> 200 DrJobDto[] (?vmId=: the job of that VM, its replica or dr-test copy).
export const GET = route(async (req) => {
  await requireUser();
  return listJobs(parseQuery(req, listDrJobsQuerySchema));
});

// -> 201 DrJobDto.
export const POST = route(async (req) => {
  const user = await requireUserAllowed('dr.manage', 'dr.job.create');
  return NextResponse.json(await createJob(user, await parseBody(req, createReplicationJobSchema)), { status: 201 });
});
