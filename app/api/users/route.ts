import { requireUser } from '@/lib/auth/session';
import { requireUserAllowed } from '@/lib/domain/shared/authorize';
import { listUsers } from '@/lib/domain/users/queries';
import { createUserSchema } from '@/lib/domain/users/schemas';
import { createUserBy } from '@/lib/domain/users/service';
import { parseBody, route } from '@/lib/http/route-handler';
import { NextResponse } from 'next/server';

export const GET = route(async () => {
  await requireUser();
  return listUsers();
});

export const POST = route(async (req) => {
  const user = await requireUserAllowed('user.manage', 'user.create');
  return NextResponse.json(await createUserBy(user, await parseBody(req, createUserSchema)), { status: 201 });
});
