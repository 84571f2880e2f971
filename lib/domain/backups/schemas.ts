// Input schemas of the backup domain, shared by the routes and the forms.
import { z } from 'zod';
import { normaliseRepositoryPath, systemTreeReason } from '@/lib/agent-protocol/path-rules';
import { VM_SEARCHABLE } from '@/lib/domain/vms/schemas';
import { RESTORE_POINT_KINDS, USAGE_RANGES, VERIFY_STATES } from './dto';
import { checkSchedule, checkTimezone } from './schedule';

const name = z
  .string()
  .trim()
  .min(3, 'At least 3 characters')
  .max(60, 'At most 60 characters')
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9 ._-]*$/, 'Letters, digits, spaces, dots, dashes and underscores');

// Absolute, no "..", not a system tree (path-rules.ts); stored normalised (no trailing slash).
// Overlap with pools, images, data dirs and other repositories needs the database: the service.
const repositoryPath = z
  .string()
  .trim()
  .min(1, 'Enter the directory')
  .max(400)
  .transform((p, ctx) => {
    const n = normaliseRepositoryPath(p);
    const reason = 'reason' in n ? n.reason : systemTreeReason(n.path);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
    return 'path' in n ? n.path : p;
  });

export const createRepositorySchema = z
  .object({
    name,
    kind: z.enum(['shared', 'host']),
    hostId: z.string().min(1).nullable().default(null), // kind=host: the host whose disk holds it
    path: repositoryPath,
    create: z.boolean().default(false), // create the directory if it does not exist
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'host' && !v.hostId)
      ctx.addIssue({ code: 'custom', path: ['hostId'], message: 'Choose the host that holds this directory' });
    if (v.kind === 'shared' && v.hostId)
      ctx.addIssue({ code: 'custom', path: ['hostId'], message: 'A shared repository is not tied to a host' });
  });
export type CreateRepositoryInput = z.input<typeof createRepositorySchema>;
export type CreateRepository = z.output<typeof createRepositorySchema>;

// Removing a repository that holds points needs an explicit choice: delete their files too, or
// only unregister them (the files stay where they are).
export const deleteRepositoryQuerySchema = z
  .object({ mode: z.enum(['deletePoints', 'keepFiles']).optional() })
  .strict();
export type DeleteRepositoryQuery = z.output<typeof deleteRepositoryQuerySchema>;

export const updateRepositorySchema = z.object({ name: name.optional(), recheck: z.boolean().optional() }).strict();
export type UpdateRepository = z.output<typeof updateRepositorySchema>;

export const usageQuerySchema = z
  .object({ range: z.enum(Object.keys(USAGE_RANGES) as [keyof typeof USAGE_RANGES]).default('24h') })
  .strict();

// JSON bodies take exact numbers (no coercion); forms convert their inputs (lib/forms/number-input).
const count = z.number({ error: 'Enter a number' });

export const retentionSchema = z
  .object({
    keepLast: count.int().min(0).max(1000).default(0),
    daily: count.int().min(0).max(1000).default(0),
    weekly: count.int().min(0).max(1000).default(0),
    monthly: count.int().min(0).max(1000).default(0),
    yearly: count.int().min(0).max(100).default(0),
  })
  .strict()
  .refine((r) => r.keepLast + r.daily + r.weekly + r.monthly + r.yearly > 0, {
    message: 'Keep at least one point (set keep-last or a GFS count)',
  });

export const selectorSchema = z
  .object({
    vmIds: z.array(z.string().min(1)).max(500).default([]),
    tags: z.array(z.string().min(1).max(32)).max(20).default([]),
  })
  .strict()
  .refine((s) => s.vmIds.length + s.tags.length > 0, { message: 'Select at least one VM or tag' });

export const cronField = z.string().trim().min(1, 'Enter a cron expression').max(120);
export const timezoneField = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((tz) => !checkTimezone(tz), { error: (iss) => checkTimezone(String(iss.input)) ?? 'Unknown timezone' });

// Also used by snapshot schedules (lib/domain/snapshots/schemas.ts).
// Cron validity depends on the timezone too (croner checks both): reported on the field at fault.
export function refineCron(
  v: { schedule?: string; timezone?: string; verifySchedule?: string | null },
  ctx: z.RefinementCtx,
) {
  const tz = v.timezone ?? 'UTC';
  if (checkTimezone(tz)) return; // already reported on timezone
  for (const field of ['schedule', 'verifySchedule'] as const) {
    const cron = v[field];
    if (!cron) continue;
    const r = checkSchedule(cron, tz);
    if (!r.ok) ctx.addIssue({ code: 'custom', path: [field], message: r.message });
  }
}

const jobFields = z
  .object({
    name,
    enabled: z.boolean().default(true),
    repositoryId: z.string().min(1, 'Choose a repository'),
    selector: selectorSchema,
    schedule: cronField,
    timezone: timezoneField.default('UTC'),
    retention: retentionSchema,
    concurrency: count.int().min(1, 'At least 1').max(8, 'At most 8').default(1),
    verifySchedule: cronField.nullable().default(null),
  })
  .strict();

export const createJobSchema = jobFields.superRefine(refineCron);
export type CreateJobInput = z.input<typeof createJobSchema>;
export type CreateJob = z.output<typeof createJobSchema>;

export const updateJobSchema = z
  .object({
    name: name.optional(),
    enabled: z.boolean().optional(),
    repositoryId: z.string().min(1).optional(),
    selector: selectorSchema.optional(),
    schedule: cronField.optional(),
    timezone: timezoneField.optional(),
    retention: retentionSchema.optional(),
    concurrency: count.int().min(1, 'At least 1').max(8, 'At most 8').optional(),
    verifySchedule: cronField.nullable().optional(),
  })
  .strict()
  .superRefine(refineCron);
export type UpdateJob = z.output<typeof updateJobSchema>;

export const previewSchema = z
  .object({
    schedule: cronField,
    timezone: timezoneField.default('UTC'),
    retention: retentionSchema,
    jobId: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(refineCron);
export type PreviewInput = z.output<typeof previewSchema>;

export const runsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();

const id = z.string().min(1).max(64);
const instant = z.iso.datetime({ offset: true, error: 'An ISO 8601 date and time' }).transform((s) => new Date(s));

export const RESTORE_POINT_SORTS = ['taken', 'size', 'vm'] as const;
export type RestorePointSort = (typeof RESTORE_POINT_SORTS)[number];
// Without an order: the newest and the largest first, VM names A to Z.
export const RESTORE_POINT_SORT_DEFAULT_ORDER: Record<RestorePointSort, 'asc' | 'desc'> = {
  taken: 'desc',
  size: 'desc',
  vm: 'asc',
};

// GET /api/restore-points: a page of the points the filters match (every filter is optional).
export const restorePointsQuerySchema = z
  .object({
    vmId: id.optional(),
    // A part of the VM's name as the point recorded it (points outlive their VM).
    q: z
      .string()
      .trim()
      .toLowerCase()
      .max(64, 'At most 64 characters')
      .regex(VM_SEARCHABLE, 'Letters, digits and dashes (what VM names are made of)')
      .optional(),
    jobId: id.optional(),
    repositoryId: id.optional(),
    hostId: id.optional(),
    kind: z.enum(RESTORE_POINT_KINDS).optional(),
    verifyState: z.enum(VERIFY_STATES).optional(),
    // Taken at or after `from`, before `to`.
    from: instant.optional(),
    to: instant.optional(),
    sort: z.enum(RESTORE_POINT_SORTS).default('taken'),
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    // The last point of the previous page (its Link header names it): the page after it.
    cursor: id.optional(),
  })
  .strict()
  .refine((v) => !v.from || !v.to || v.from < v.to, { path: ['to'], message: 'After the start of the range' });
export type RestorePointsQuery = z.output<typeof restorePointsQuerySchema>;

export const verifyPointSchema = z.object({ boot: z.boolean().default(false) }).strict();

// DELETE /api/restore-points/:id?merge=true: merge=true folds the point into the points backed
// by it; without it a point others depend on is refused (409) with them named.
export const deletePointQuerySchema = z
  .object({
    merge: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .strict();
