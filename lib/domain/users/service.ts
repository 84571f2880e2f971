import 'server-only';
import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '@/lib/domain/audit/service';
import { ROLES } from '@/lib/domain/auth/dto';
import { alreadyExists } from '@/lib/errors';

export const createUserSchema = z
  .object({
    username: z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, 'Lowercase, 2-32 characters'),
    name: z.string().min(1).max(80).optional(),
    role: z.enum(ROLES),
    password: z.string().min(10, 'At least 10 characters').max(256),
  })
  .strict();

// Used by setup and the user CLI; the admin UI for users will sit on top of it.
export async function createUser(input: z.output<typeof createUserSchema>, actor: Actor = SYSTEM_ACTOR): Promise<{ id: string }> {
  if (await db().user.findUnique({ where: { username: input.username } })) throw alreadyExists('user', input.username);
  const user = await db().user.create({
    data: { username: input.username, name: input.name ?? input.username, role: input.role, passwordHash: await bcrypt.hash(input.password, 10) },
  });
  await recordAudit({ actor, action: 'user.create', target: { type: 'user', id: user.id, name: user.username }, result: 'succeeded', detail: { role: input.role } });
  return { id: user.id };
}
