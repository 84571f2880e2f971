import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { enrollmentTokenSchema } from '@/lib/domain/hosts/schemas';
import { createHostEnrollment } from '@/lib/domain/hosts/service';
import { parseBody, route } from '@/lib/http/route-handler';

export const POST = route(async (req) => {
  const user = await requireUserAllowed('host.manage');
  return Response.json(await createHostEnrollment(user, await parseBody(req, enrollmentTokenSchema)), { status: 201 });
});
