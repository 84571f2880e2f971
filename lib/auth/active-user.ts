import 'server-only';
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';

// A signed-in user and the session version their token carries (a password reset moves the row's
// version on: older tokens stop working).
export type SignedInUser = SessionUser & { sessionVersion: number };

// The token's claim as a number: tokens from before session versions count as version 0.
export const tokenSessionVersion = (sv: unknown): number => (typeof sv === 'number' ? sv : 0);

// The user a session names, as the database has it now; null when deleted, disabled, or the
// session predates a password reset. Apart from session.ts (next-auth's server session) so the
// console's WebSocket gateway, which reads the cookie itself outside Next (lib/console), can use it.
export async function activeUser(uid: string, sessionVersion: number): Promise<SignedInUser | null> {
  const user = await db().user.findUnique({ where: { id: uid } });
  if (!user || user.disabledAt || user.sessionVersion !== sessionVersion) return null;
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    role: user.role as SessionUser['role'],
    sessionVersion: user.sessionVersion,
  };
}
