import { z } from 'zod';

// Shared by POST /api/hosts/enrollment-tokens and the "Add host" form.
export const enrollmentTokenSchema = z
  .object({
    hostName: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Lowercase letters, digits and dashes (up to 63)'),
  })
  .strict();
export type EnrollmentTokenInput = z.input<typeof enrollmentTokenSchema>;

export type EnrollmentTokenDto = { hostName: string; token: string; expiresInMinutes: number; reEnroll: boolean };
