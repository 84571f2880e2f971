import { z } from 'zod';
import { VM_ACTIONS, VM_STATE } from './dto';

const vmTagField = z.string().regex(/^[a-z0-9][a-z0-9:._-]{0,31}$/, 'Tags: lowercase, up to 32 chars');

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
    tags: z.array(vmTagField).max(20).default([]),
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

// VM names and ids are lowercase letters, digits and dashes (createVmSchema, the services' ids), so
// a lowercased `q` matches case-insensitively on any database; the charset also keeps LIKE's
// wildcards (% and _, which Prisma's `contains` does not escape) out of the pattern.
export const VM_SEARCHABLE = /^[a-z0-9-]*$/;
const vmIdField = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'A VM id');
// A comma-separated list in one query parameter (repeated parameters are not read).
const commaList = (item: z.ZodString, max: number, what: string) =>
  z
    .string()
    .max(max * 80)
    .transform((s) => s.split(','))
    .pipe(z.array(item).min(1).max(max, `At most ${max} ${what}`));

// The filters of the VM list, shared by the list (a page) and its count.
const vmFilterFields = {
  q: z
    .string()
    .trim()
    .toLowerCase()
    .max(64, 'At most 64 characters')
    .regex(VM_SEARCHABLE, 'Letters, digits and dashes (what VM names and ids are made of)')
    .optional(),
  state: z.enum(VM_STATE).optional(),
  hostId: z.string().min(1).max(64).optional(),
  site: z.string().min(1).max(64).optional(),
  ids: commaList(vmIdField, 100, 'VM ids').optional(),
  // VMs carrying any of these tags (as a backup or snapshot selector picks them).
  tags: commaList(vmTagField, 20, 'tags').optional(),
};

export const VM_SORTS = ['name', 'created', 'state', 'vcpus', 'memory'] as const;
export type VmSort = (typeof VM_SORTS)[number];
// Without an order: names and states A to Z, the newest first, the largest first.
export const VM_SORT_DEFAULT_ORDER: Record<VmSort, 'asc' | 'desc'> = {
  name: 'asc',
  created: 'desc',
  state: 'asc',
  vcpus: 'desc',
  memory: 'desc',
};

export const listVmsQuerySchema = z
  .object({
    ...vmFilterFields,
    sort: z.enum(VM_SORTS).default('name'),
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    // The last VM of the previous page (its Link header names it): the page after it.
    cursor: vmIdField.optional(),
  })
  .strict();
export type ListVmsQuery = z.output<typeof listVmsQuerySchema>;

export const countVmsQuerySchema = z.object(vmFilterFields).strict();
export type VmFilters = z.output<typeof countVmsQuerySchema>;

export const consoleQuerySchema = z.object({ lines: z.coerce.number().int().min(1).max(2000).default(200) }).strict();
