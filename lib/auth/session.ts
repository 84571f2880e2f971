import 'server-only';
import { getServerSession } from 'next-auth';
import { unauthenticated } from '@/lib/errors';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { activeUser, tokenSessionVersion } from './active-user';
import { authOptions } from './config';

// The JWT carries the role from sign-in; the user row is re-read so a deleted or disabled user, a
// changed role or a password reset takes effect at once rather than when the token expires.
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const claim = session?.user as { id?: string; sessionVersion?: unknown } | undefined;
  return claim?.id ? activeUser(claim.id, tokenSessionVersion(claim.sessionVersion)) : null;
}

export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) throw unauthenticated();
  return user;
}
