import 'server-only';
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';

// The user a session names, as the database has it now; null when deleted or disabled. Apart from
// session.ts (next-auth's server session) so the console's WebSocket gateway, which reads the
// cookie itself outside Next (lib/console), can use it too.
export async function activeUser(uid: string): Promise<SessionUser | null> {
  const user = await db().user.findUnique({ where: { id: uid } });
  if (!user || user.disabledAt) return null;
  return { id: user.id, username: user.username, name: user.name, role: user.role as SessionUser['role'] };
}
