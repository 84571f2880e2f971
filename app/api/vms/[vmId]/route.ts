import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { getVm } from '@/lib/domain/vms/queries';
import { deleteVm } from '@/lib/domain/vms/service';
import { accepted, route } from '@/lib/http/route-handler';

export const GET = route<{ vmId: string }>(async (_req, { vmId }) => {
  await requireUser();
  return getVm(vmId);
});

export const DELETE = route<{ vmId: string }>(async (_req, { vmId }) => {
  const user = await requireUserAllowed('vm.delete');
  return accepted(await deleteVm(user, vmId));
});
