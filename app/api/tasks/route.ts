import { requireUser } from '@/lib/auth/session';
import { listTasks, listTasksQuerySchema } from '@/lib/domain/tasks/queries';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return listTasks(parseQuery(req, listTasksQuerySchema));
});
