import { requireUser } from '@/lib/auth/session';
import { getMigration } from '@/lib/domain/migrations/queries';
import { route } from '@/lib/http/route-handler';

export const GET = route<{ migrationId: string }>(async (_req, { migrationId }) => {
  await requireUser();
  return getMigration(migrationId);
});
