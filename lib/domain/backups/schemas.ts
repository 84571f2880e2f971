// Input schemas of the backup domain, shared by the routes and the forms.
import { z } from 'zod';
import { USAGE_RANGES } from './dto';
import { checkSchedule, checkTimezone } from './schedule';

const name = z
  .string()
  .trim()
  .min(3, 'At least 3 characters')
  .max(60, 'At most 60 characters')
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9 ._-]*$/, 'Letters, digits, spaces, dots, dashes and underscores');

export const createRepositorySchema = z
  .object({
    name,
    kind: z.enum(['shared', 'host']),
    hostId: z.string().min(1).nullable().default(null), // kind=host: the host whose disk holds it
    path: z.string().trim().regex(/^\/[^\0]*$/, 'An absolute path').max(400),
    create: z.boolean().default(false), // create the directory if it does not exist
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'host' && !v.hostId) ctx.addIssue({ code: 'custom', path: ['hostId'], message: 'Choose the host that holds this directory' });
    if (v.kind === 'shared' && v.hostId) ctx.addIssue({ code: 'custom', path: ['hostId'], message: 'A shared repository is not tied to a host' });
  });
export type CreateRepositoryInput = z.input<typeof createRepositorySchema>;
export type CreateRepository = z.output<typeof createRepositorySchema>;

export const updateRepositorySchema = z.object({ name: name.optional(), recheck: z.boolean().optional() }).strict();
export type UpdateRepository = z.output<typeof updateRepositorySchema>;

export const usageQuerySchema = z.object({ range: z.enum(Object.keys(USAGE_RANGES) as [keyof typeof USAGE_RANGES]).default('24h') }).strict();

export const retentionSchema = z
  .object({
    keepLast: z.coerce.number().int().min(0).max(1000).default(0),
    daily: z.coerce.number().int().min(0).max(1000).default(0),
    weekly: z.coerce.number().int().min(0).max(1000).default(0),
    monthly: z.coerce.number().int().min(0).max(1000).default(0),
    yearly: z.coerce.number().int().min(0).max(100).default(0),
  })
  .strict()
  .refine((r) => r.keepLast + r.daily + r.weekly + r.monthly + r.yearly > 0, { message: 'Keep at least one point (set keep-last or a GFS count)' });

const selectorSchema = z
  .object({
    vmIds: z.array(z.string().min(1)).max(500).default([]),
    tags: z.array(z.string().min(1).max(32)).max(20).default([]),
  })
  .strict()
  .refine((s) => s.vmIds.length + s.tags.length > 0, { message: 'Select at least one VM or tag' });

const cronField = z.string().trim().min(1, 'Enter a cron expression').max(120);
const timezoneField = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((tz) => !checkTimezone(tz), { error: (iss) => checkTimezone(String(iss.input)) ?? 'Unknown timezone' });

// Cron validity depends on the timezone too (croner checks both): reported on the field at fault.
function refineCron(v: { schedule?: string; timezone?: string; verifySchedule?: string | null }, ctx: z.RefinementCtx) {
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
    concurrency: z.coerce.number().int().min(1, 'At least 1').max(8, 'At most 8').default(1),
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
    concurrency: z.coerce.number().int().min(1, 'At least 1').max(8, 'At most 8').optional(),
    verifySchedule: cronField.nullable().optional(),
  })
  .strict()
  .superRefine(refineCron);
export type UpdateJob = z.output<typeof updateJobSchema>;

export const previewSchema = z
  .object({ schedule: cronField, timezone: timezoneField.default('UTC'), retention: retentionSchema, jobId: z.string().min(1).optional() })
  .strict()
  .superRefine(refineCron);
export type PreviewInput = z.output<typeof previewSchema>;

export const runsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();

export const restorePointsQuerySchema = z.object({ vmId: z.string().min(1).optional(), jobId: z.string().min(1).optional() }).strict();

export const verifyPointSchema = z.object({ boot: z.boolean().default(false) }).strict();
