import { requireUser } from '@/lib/auth/session';
import { previewJob } from '@/lib/domain/backups/preview';
import { previewSchema } from '@/lib/domain/backups/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

export const POST = route(async (req) => {
  await requireUser();
  return previewJob(await parseBody(req, previewSchema));
});
