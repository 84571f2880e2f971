import { z } from 'zod';
import { VM_ACTIONS } from './dto';

// Shared by POST /api/vms and the create-VM form. JSON bodies take exact types (no coercion: `true`
// or "128" is refused); the form converts its number inputs (lib/forms/number-input).
export const createVmSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(3, 'At least 3 characters')
      .max(40, 'At most 40 characters')
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'Lowercase letters, digits and dashes; start with a letter or digit'),
    imageId: z.string().min(1, 'Choose an image'),
    hostId: z.string().min(1).default('auto'), // 'auto' = placement by free capacity
    vcpus: z.number({ error: 'Enter a number' }).int().min(1, 'At least 1 vCPU').max(32, 'At most 32 vCPUs'),
    memoryMiB: z.number({ error: 'Enter a number' }).int().min(64, 'At least 64 MiB').max(262144, 'At most 256 GiB'),
    diskSizeGiB: z
      .number({ error: 'Enter a number' })
      .min(0.0625, 'At least 64 MiB (0.0625 GiB)')
      .max(16384, 'At most 16 TiB'),
    // The host's pool for the disk: 'shared' (any host reaches it) is what HA needs to restart it
    // elsewhere. Unset: shared with HA on, else local.
    pool: z.enum(['local', 'shared']).optional(),
    haEnabled: z.boolean().default(false),
    tags: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9:._-]{0,31}$/, 'Tags: lowercase, up to 32 chars'))
      .max(20)
      .default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.haEnabled && v.pool === 'local')
      ctx.addIssue({
        code: 'custom',
        path: ['haEnabled'],
        message: 'HA needs the disk on shared storage (pool "shared")',
      });
  });
export type CreateVmInput = z.input<typeof createVmSchema>;
export type CreateVm = z.output<typeof createVmSchema>;

export const vmActionSchema = z.enum(VM_ACTIONS);

export const vmIdParamSchema = z.object({ vmId: z.string().min(1).max(64) }).strict();

export const listVmsQuerySchema = z.object({ hostId: z.string().optional() }).strict();

export const consoleQuerySchema = z.object({ lines: z.coerce.number().int().min(1).max(2000).default(200) }).strict();
