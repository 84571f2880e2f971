import 'server-only';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { createEnrollmentToken } from './enrollment';
import type { EnrollmentTokenDto, enrollmentTokenSchema } from './schemas';

// Admin step to add a host: a one-time token the new agent starts with (`--enroll-token`).
// For a host that exists already this re-enrolls it: the agent gets new credentials (e.g. after a
// reinstall lost its agent.json).
export async function createHostEnrollment(
  user: SessionUser,
  input: z.output<typeof enrollmentTokenSchema>,
): Promise<EnrollmentTokenDto> {
  await authorize(user, 'host.manage', { type: 'host', id: null, name: input.hostName });
  const existing = await db().host.findUnique({ where: { name: input.hostName }, select: { id: true } });
  const token = await createEnrollmentToken(input.hostName, actorOf(user));
  return { hostName: input.hostName, token, expiresInMinutes: 60, reEnroll: !!existing };
}
