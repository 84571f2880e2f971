import 'server-only';
import { getServerSession } from 'next-auth';
import { unauthenticated } from '@/lib/errors';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { activeUser } from './active-user';
import { authOptions } from './config';

// The JWT carries the role from sign-in; the user row is re-read so a deleted or disabled user or
// a changed role takes effect at once rather than when the token expires.
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const uid = (session?.user as { id?: string } | undefined)?.id;
  return uid ? activeUser(uid) : null;
}

export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) throw unauthenticated();
  return user;
}
