import { requireUser } from '@/lib/auth/session';
import { countVms } from '@/lib/domain/vms/queries';
import { countVmsQuerySchema } from '@/lib/domain/vms/schemas';
import { parseQuery, route } from '@/lib/http/route-handler';

// How many VMs the list's filters match (the list itself comes a page at a time).
export const GET = route(async (req) => {
  await requireUser();
  return { count: await countVms(parseQuery(req, countVmsQuerySchema)) };
});
