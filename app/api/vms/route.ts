import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listVms } from '@/lib/domain/vms/queries';
import { createVmSchema, listVmsQuerySchema } from '@/lib/domain/vms/schemas';
import { createVm } from '@/lib/domain/vms/service';
import { pageResponse } from '@/lib/http/pagination';
import { accepted, parseBody, parseQuery, route } from '@/lib/http/route-handler';

export const GET = route(async (req) => {
  await requireUser();
  return pageResponse(req, await listVms(parseQuery(req, listVmsQuerySchema)));
});

export const POST = route(async (req) => {
  const user = await requireUserAllowed('vm.create');
  return accepted(await createVm(user, await parseBody(req, createVmSchema)));
});
