import { requireUser } from '@/lib/auth/session';
import { listHostsPage } from '@/lib/domain/hosts/host-list';
import { hostsQuerySchema } from '@/lib/domain/hosts/schemas';
import { pageResponse } from '@/lib/http/pagination';
import { parseQuery, route } from '@/lib/http/route-handler';

// -> 200 HostDto[] (a page; the next one in the Link header). ?q=&site=&status=&sort=&order=&limit=&cursor=
export const GET = route(async (req) => {
  await requireUser();
  return pageResponse(req, await listHostsPage(parseQuery(req, hostsQuerySchema)));
});
