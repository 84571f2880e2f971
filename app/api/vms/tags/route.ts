import { requireUser } from '@/lib/auth/session';
import { listVmTags } from '@/lib/domain/vms/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listVmTags();
});
