import 'server-only';
import { z } from 'zod';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { createEnrollmentToken } from './enrollment';

export const enrollmentTokenSchema = z
  .object({ hostName: z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Lowercase letters, digits and dashes') })
  .strict();

// Admin step to add a host: a one-time token the new agent starts with (`--enroll-token`).
export async function createHostEnrollment(user: SessionUser, input: z.output<typeof enrollmentTokenSchema>) {
  await authorize(user, 'host.manage', { type: 'host', id: null, name: input.hostName });
  const token = await createEnrollmentToken(input.hostName, actorOf(user));
  return { hostName: input.hostName, token, expiresInMinutes: 60 };
}
