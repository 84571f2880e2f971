import { NextResponse } from 'next/server';
import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listSchedules } from '@/lib/domain/snapshots/schedule-queries';
import { createSchedule } from '@/lib/domain/snapshots/schedules';
import { scheduleSchema } from '@/lib/domain/snapshots/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listSchedules();
});

// -> 201 SnapshotScheduleDto.
export const POST = route(async (req) => {
  const user = await requireUserAllowed('snapshot.schedule', 'snapshot-schedule.create');
  return NextResponse.json(await createSchedule(user, await parseBody(req, scheduleSchema)), { status: 201 });
});
