import { z } from 'zod';
import { ROLES } from '@/lib/domain/auth/dto';

const password = z.string().min(10, 'At least 10 characters').max(256);

// Shared by POST /api/users, the create-user form, setup and the user CLI. No password: the
// service generates one and answers it once.
export const createUserSchema = z
  .object({
    username: z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, 'Lowercase, 2-32 characters'),
    name: z.string().trim().min(1).max(80).optional(),
    role: z.enum(ROLES),
    password: password.optional(),
  })
  .strict();
export type CreateUserInput = z.output<typeof createUserSchema>;

// PATCH /api/users/[userId]: any of the three, at least one.
export const updateUserSchema = z
  .object({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    name: z.string().trim().min(1).max(80).optional(),
  })
  .strict()
  .refine(
    (o) => o.role !== undefined || o.disabled !== undefined || o.name !== undefined,
    'Change at least one of role, disabled, name',
  );
export type UpdateUserInput = z.output<typeof updateUserSchema>;

// POST /api/users/[userId]/password: a typed password, or none for a generated one.
export const resetPasswordSchema = z.object({ password: password.optional() }).strict();
export type ResetPasswordInput = z.output<typeof resetPasswordSchema>;
