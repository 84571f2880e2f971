import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { conflict, noSuchObject } from '@/lib/errors';
import type { Prisma, User } from '@/lib/generated/prisma/client';
import { createUser, setPassword, USER_TARGET, userTarget as target } from './accounts';
import type { UserWithPasswordDto } from './dto';
import { toUserDto } from './queries';
import type { CreateUserInput, ResetPasswordInput, UpdateUserInput } from './schemas';

// The admin API over users: authorized ('user.manage'), audited, with the guards below.

export async function createUserBy(actor: SessionUser, input: CreateUserInput): Promise<UserWithPasswordDto> {
  await authorize(actor, 'user.manage', { type: USER_TARGET, id: null, name: input.username }, 'user.create');
  return createUser(input, actorOf(actor));
}

type Tx = Prisma.TransactionClient;
type Change = 'demote' | 'disable' | 'delete';

// Why `actor` may not demote, disable or delete `u`, or null. Counted inside the caller's
// transaction (BEGIN IMMEDIATE), so two admins removing each other cannot both pass.
async function guardReason(
  tx: Tx,
  actor: SessionUser,
  u: User,
  change: Change,
): Promise<{ reason: string; message: string } | null> {
  if (u.id === actor.id) return { reason: 'self', message: `You cannot ${change} your own account; ask another admin` };
  if (u.role !== 'admin' || u.disabledAt) return null;
  const otherAdmins = await tx.user.count({ where: { role: 'admin', disabledAt: null, id: { not: u.id } } });
  if (otherAdmins === 0)
    return { reason: 'last-admin', message: `${u.username} is the last enabled admin; make another admin first` };
  return null;
}

// Runs a guarded change of one user in one transaction; a refusal is audited as denied and
// answered 409 with the reason.
async function guarded<T>(
  actor: SessionUser,
  id: string,
  operation: string,
  changes: (u: User) => Change[],
  apply: (tx: Tx, u: User) => Promise<T>,
): Promise<{ user: User; out: T }> {
  const found = await db().user.findUnique({ where: { id } });
  await authorize(actor, 'user.manage', target(found, id), operation);
  const result = await db().$transaction(async (tx) => {
    const u = await tx.user.findUnique({ where: { id } });
    if (!u) throw noSuchObject('user', id);
    for (const change of changes(u)) {
      const refused = await guardReason(tx, actor, u, change);
      if (refused) return { refused, user: u };
    }
    return { user: u, out: await apply(tx, u) };
  });
  if ('refused' in result && result.refused) {
    await recordAudit({
      actor: actorOf(actor),
      action: operation,
      target: target(result.user, id),
      result: 'denied',
      detail: { reason: result.refused.reason },
    });
    throw conflict(result.refused.message, { reason: result.refused.reason, userId: id });
  }
  return result as { user: User; out: T };
}

// Role, enabled state and display name. Disabling takes effect on the user's next request
// (getSessionUser re-reads the row), so open sessions stop at once.
export async function updateUser(actor: SessionUser, id: string, input: UpdateUserInput) {
  const changes = (u: User): Change[] => [
    ...(input.role !== undefined && u.role === 'admin' && input.role !== 'admin' ? (['demote'] as const) : []),
    ...(input.disabled === true && !u.disabledAt ? (['disable'] as const) : []),
  ];
  const { user: before, out: after } = await guarded(actor, id, 'user.update', changes, (tx, u) =>
    tx.user.update({
      where: { id: u.id },
      data: {
        role: input.role,
        name: input.name,
        disabledAt: input.disabled === undefined ? undefined : input.disabled ? (u.disabledAt ?? new Date()) : null,
      },
    }),
  );
  const audit = (action: string, detail: Record<string, unknown>) =>
    recordAudit({ actor: actorOf(actor), action, target: target(after, id), result: 'succeeded', detail });
  if (before.role !== after.role) await audit('user.change-role', { from: before.role, to: after.role });
  if (!before.disabledAt !== !after.disabledAt) await audit(after.disabledAt ? 'user.disable' : 'user.enable', {});
  if (before.name !== after.name) await audit('user.rename', { from: before.name, to: after.name });
  return toUserDto(after);
}

// The user row goes; audit events keep the actor's name and the VMs they created stay (neither
// references the row).
export async function deleteUser(actor: SessionUser, id: string): Promise<{ deleted: string }> {
  const { user } = await guarded(
    actor,
    id,
    'user.delete',
    () => ['delete'],
    (tx, u) => tx.user.delete({ where: { id: u.id } }),
  );
  await recordAudit({
    actor: actorOf(actor),
    action: 'user.delete',
    target: target(user, id),
    result: 'succeeded',
    detail: { role: user.role },
  });
  return { deleted: id };
}

export async function resetPassword(
  actor: SessionUser,
  id: string,
  input: ResetPasswordInput,
): Promise<UserWithPasswordDto> {
  const found = await db().user.findUnique({ where: { id } });
  await authorize(actor, 'user.manage', target(found, id), 'user.reset-password');
  return setPassword(id, input, actorOf(actor));
}
