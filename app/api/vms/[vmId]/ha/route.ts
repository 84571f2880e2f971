import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { vmHaSchema } from '@/lib/domain/ha/schemas';
import { setVmHa } from '@/lib/domain/ha/service';
import { parseBody, route } from '@/lib/http/route-handler';

export const PATCH = route<{ vmId: string }>(async (req, { vmId }) => {
  const user = await requireUserAllowed('vm.ha', 'vm.ha.update');
  return setVmHa(user, vmId, await parseBody(req, vmHaSchema));
});
