'use client';
import { useSession } from 'next-auth/react';
import { createContext, useContext, type ReactNode } from 'react';
import type { Role, SessionUser } from '@/lib/domain/auth/dto';
import { denialReason, type Action } from '@/lib/auth/permissions';

type CurrentUser = Pick<SessionUser, 'id' | 'username' | 'role'> & { name?: string | null };

// The dashboard layout hands down the user it read on the server, so controls render with the
// right permissions on the first paint; the next-auth session takes over once it has loaded.
const ServerUserContext = createContext<SessionUser | null>(null);

export function CurrentUserProvider({ user, children }: { user: SessionUser; children: ReactNode }) {
  return <ServerUserContext.Provider value={user}>{children}</ServerUserContext.Provider>;
}

export function useCurrentUser(): CurrentUser | null {
  const serverUser = useContext(ServerUserContext);
  const { data } = useSession();
  return data?.user?.role ? data.user : serverUser;
}

export function useRole(): Role | null {
  return useCurrentUser()?.role ?? null;
}

/** { allowed, reason } for a mutating control; `reason` is the tooltip when not allowed. */
export function usePermission(action: Action): { allowed: boolean; reason: string | null } {
  const reason = denialReason(useRole(), action);
  return { allowed: reason === null, reason };
}
