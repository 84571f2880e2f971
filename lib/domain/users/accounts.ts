import 'server-only';
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { db } from '@/lib/db/client';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '@/lib/domain/audit/service';
import { alreadyExists, noSuchObject } from '@/lib/errors';
import type { User } from '@/lib/generated/prisma/client';
import type { UserWithPasswordDto } from './dto';
import { toUserDto } from './queries';
import type { CreateUserInput, ResetPasswordInput } from './schemas';

// Account writes without authorization, for setup (first admin) and the user CLI, which run as
// the system outside a request (so this module stays clear of next-auth); the admin API wraps
// them in service.ts.

export const USER_TARGET = 'user';
export const userTarget = (u: Pick<User, 'id' | 'username'> | null, id: string | null) => ({
  type: USER_TARGET,
  id: u?.id ?? id,
  name: u?.username ?? null,
});

// 12 random bytes: 16 URL-safe characters, shown once.
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export async function createUser(input: CreateUserInput, actor: Actor = SYSTEM_ACTOR): Promise<UserWithPasswordDto> {
  if (await db().user.findUnique({ where: { username: input.username } })) throw alreadyExists('user', input.username);
  const password = input.password ?? generatePassword();
  const user = await db().user.create({
    data: {
      username: input.username,
      name: input.name ?? input.username,
      role: input.role,
      passwordHash: await bcrypt.hash(password, 10),
    },
  });
  await recordAudit({
    actor,
    action: 'user.create',
    target: userTarget(user, null),
    result: 'succeeded',
    detail: { role: input.role, generatedPassword: !input.password },
  });
  return { user: toUserDto(user), password, generated: !input.password };
}

// Sets a typed or generated password, answered once. Used by the admin API and (as the system)
// by the user CLI.
export async function setPassword(id: string, input: ResetPasswordInput, actor: Actor): Promise<UserWithPasswordDto> {
  const password = input.password ?? generatePassword();
  const found = await db().user.findUnique({ where: { id } });
  if (!found) throw noSuchObject('user', id);
  // A new password ends every session opened with the old one (their tokens carry the old version).
  const user = await db().user.update({
    where: { id },
    data: { passwordHash: await bcrypt.hash(password, 10), sessionVersion: { increment: 1 } },
  });
  await recordAudit({
    actor,
    action: 'user.reset-password',
    target: userTarget(user, id),
    result: 'succeeded',
    detail: { generatedPassword: !input.password },
  });
  return { user: toUserDto(user), password, generated: !input.password };
}
