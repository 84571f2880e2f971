import { migrateVmSchema } from '@/lib/domain/migrations/schemas';
import { queueMigration } from '@/lib/domain/migrations/service';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const POST = route<{ vmId: string }>(async (req, { vmId }) => {
  const user = await requireUserAllowed('vm.migrate');
  const { targetHostId } = await parseBody(req, migrateVmSchema);
  return accepted(await queueMigration(user, { vmId, targetHostId, reason: 'manual' }));
});
