import { NextResponse } from 'next/server';
import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listRepositories } from '@/lib/domain/backups/queries';
import { createRepository } from '@/lib/domain/backups/repositories';
import { createRepositorySchema } from '@/lib/domain/backups/schemas';
import { parseBody, route } from '@/lib/http/route-handler';

export const GET = route(async () => {
  await requireUser();
  return listRepositories();
});

export const POST = route(async (req) => {
  const user = await requireUserAllowed('repository.manage', 'repository.create');
  return NextResponse.json(await createRepository(user, await parseBody(req, createRepositorySchema)), { status: 201 });
});
