import { requireUser } from '@/lib/auth/session';
import { listTasks, listTasksQuerySchema } from '@/lib/domain/tasks/queries';
import { pageResponse } from '@/lib/http/pagination';
import { parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return pageResponse(req, await listTasks(parseQuery(req, listTasksQuerySchema)));
});
