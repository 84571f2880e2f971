import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { setHostMaintenance } from '@/lib/domain/hosts/maintenance';
import { hostMaintenanceSchema } from '@/lib/domain/migrations/schemas';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const POST = route<{ hostId: string }>(async (req, { hostId }) => {
  const user = await requireUserAllowed('host.manage', 'host.maintenance');
  return accepted(await setHostMaintenance(user, hostId, await parseBody(req, hostMaintenanceSchema)));
});
