import 'server-only';
import { can, type Action } from '@/lib/auth/permissions';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import { forbidden } from '@/lib/errors';

export function actorOf(user: SessionUser): Actor {
  return { id: user.id, name: user.username };
}

// Every mutating service calls this first: middleware only redirects, the service decides.
// A refusal is audited as 'denied' under the operation tried (e.g. vm.stop), so attempts show.
export async function authorize(
  user: SessionUser,
  action: Action,
  target?: { type: string; id: string | null; name?: string | null },
  operation: string = action,
): Promise<void> {
  if (can(user.role, action)) return;
  await recordAudit({
    actor: actorOf(user),
    action: operation,
    target,
    result: 'denied',
    detail: { role: user.role, permission: action },
  });
  throw forbidden(action, user.role);
}

// Route handlers call this before parsing any input, so a role that may not act gets 403 and
// learns nothing about what a valid request looks like (no 422 field messages). The service
// authorizes again: routes are not the only callers.
// The session module is loaded on first call: it pulls in next-auth, which the scripts and the
// worker that import this file (user CLI, stack setup) cannot load under plain Node.
export async function requireUserAllowed(action: Action, operation: string = action): Promise<SessionUser> {
  const { requireUser } = await import('@/lib/auth/session');
  const user = await requireUser();
  await authorize(user, action, undefined, operation);
  return user;
}
