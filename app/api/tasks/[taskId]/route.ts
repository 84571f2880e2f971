import { requireUser } from '@/lib/auth/session';
import { getTask } from '@/lib/domain/tasks/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route<{ taskId: string }>(async (_req, { taskId }) => {
  await requireUser();
  return getTask(taskId);
});
