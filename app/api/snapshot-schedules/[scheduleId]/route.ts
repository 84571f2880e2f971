import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { deleteSchedule, updateSchedule } from '@/lib/domain/snapshots/schedules';
import { scheduleSchema } from '@/lib/domain/snapshots/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

type P = { scheduleId: string };

// The whole schedule (as POST takes it) -> 200 SnapshotScheduleDto.
export const PUT = route<P>(async (req, { scheduleId }) => {
  const user = await requireUserAllowed('snapshot.schedule', 'snapshot-schedule.update');
  return updateSchedule(user, scheduleId, await parseBody(req, scheduleSchema));
});

export const DELETE = route<P>(async (_req, { scheduleId }) => {
  const user = await requireUserAllowed('snapshot.schedule', 'snapshot-schedule.delete');
  await deleteSchedule(user, scheduleId);
  return new Response(null, { status: 204 });
});
