import { requireUser } from '@/lib/auth/session';
import { getRepository } from '@/lib/domain/backups/queries';
import { deleteRepository, updateRepository } from '@/lib/domain/backups/repositories';
import { updateRepositorySchema } from '@/lib/domain/backups/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

type P = { repositoryId: string };

export const GET = route<P>(async (_req, { repositoryId }) => {
  await requireUser();
  return getRepository(repositoryId);
});

export const PATCH = route<P>(async (req, { repositoryId }) => {
  const user = await requireUser();
  return updateRepository(user, repositoryId, await parseBody(req, updateRepositorySchema));
});

export const DELETE = route<P>(async (_req, { repositoryId }) => {
  const user = await requireUser();
  await deleteRepository(user, repositoryId);
  return new Response(null, { status: 204 });
});
