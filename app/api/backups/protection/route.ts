import { requireUser } from '@/lib/auth/session';
import { listProtection } from '@/lib/domain/backups/protection-status';
import { route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listProtection();
});
