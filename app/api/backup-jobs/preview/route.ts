import { requireUser } from '@/lib/auth/session';
import { previewJob } from '@/lib/domain/backups/preview';
import { previewSchema } from '@/lib/domain/backups/schemas';
import { rateLimit } from '@/lib/http/rate-limit';
import { parseBody, route } from '@/lib/http/route-handler';

export const POST = route(async (req) => {
  rateLimit(await requireUser(), 'backup preview');
  return previewJob(await parseBody(req, previewSchema));
});
