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
  await recordAudit({ actor: actorOf(user), action: operation, target, result: 'denied', detail: { role: user.role, permission: action } });
  throw forbidden(action, user.role);
}
