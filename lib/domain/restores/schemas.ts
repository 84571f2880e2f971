import { z } from 'zod';
import { RESTORE_MODES } from './dto';

// Shared by POST /api/restore-points/:id/restore and the restore dialog. What needs the database
// (the name is free, confirmName equals the VM's name) is checked by the service, which answers
// the same 422 shape on the same fields.
export const restoreRequestSchema = z
  .object({
    mode: z.enum(RESTORE_MODES),
    name: z
      .string()
      .trim()
      .min(3, 'At least 3 characters')
      .max(40, 'At most 40 characters')
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'Lowercase letters, digits and dashes; start with a letter or digit')
      .optional(),
    hostId: z.string().min(1).default('best'), // a host id, or 'best' = placement by free memory
    instant: z.boolean().default(false),
    confirmName: z.string().optional(),
    // true is required to restore from a point whose last verification failed (else 409).
    acceptFailedVerification: z.boolean().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.mode === 'new' && !v.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'Name the new VM' });
    if (v.mode === 'replace' && !v.confirmName)
      ctx.addIssue({ code: 'custom', path: ['confirmName'], message: "Type the VM's name to confirm" });
    if (v.mode === 'replace' && v.name)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'Replacing keeps the VM and its name' });
  });
export type RestoreRequestInput = z.input<typeof restoreRequestSchema>;
export type RestoreRequest = z.output<typeof restoreRequestSchema>;

export const pointIdParamSchema = z.object({ pointId: z.string().min(1).max(64) }).strict();
