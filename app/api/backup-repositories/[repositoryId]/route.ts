import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { getRepository } from '@/lib/domain/backups/queries';
import { updateRepository } from '@/lib/domain/backups/repositories';
import { deleteRepository } from '@/lib/domain/backups/repository-removal';
import { deleteRepositoryQuerySchema, updateRepositorySchema } from '@/lib/domain/backups/schemas';
import { parseBody, parseQuery, route } from '@/lib/http/route-handler';

type P = { repositoryId: string };

export const GET = route<P>(async (_req, { repositoryId }) => {
  await requireUser();
  return getRepository(repositoryId);
});

export const PATCH = route<P>(async (req, { repositoryId }) => {
  const user = await requireUserAllowed('repository.manage', 'repository.update');
  return updateRepository(user, repositoryId, await parseBody(req, updateRepositorySchema));
});

// ?mode=deletePoints|keepFiles: required when the repository holds restore points.
export const DELETE = route<P>(async (req, { repositoryId }) => {
  const user = await requireUserAllowed('repository.manage', 'repository.delete');
  await deleteRepository(user, repositoryId, parseQuery(req, deleteRepositoryQuerySchema));
  return new Response(null, { status: 204 });
});
