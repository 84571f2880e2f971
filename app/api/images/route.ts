import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listImages } from '@/lib/domain/images/queries';
import { importImageSchema } from '@/lib/domain/images/schemas';
import { importImage } from '@/lib/domain/images/service';
import { accepted, parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listImages();
});

export const POST = route(async (req) => {
  const user = await requireUserAllowed('image.import');
  return accepted(await importImage(user, await parseBody(req, importImageSchema)));
});
