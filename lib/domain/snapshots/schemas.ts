// Input schemas of snapshots, checkpoints, linked clones, group checkpoints and snapshot
// schedules, shared by the routes and the forms. JSON bodies take exact types (no coercion).
import { z } from 'zod';
import { cronField, refineCron, selectorSchema, timezoneField } from '@/lib/domain/backups/schemas';
import { createVmSchema } from '@/lib/domain/vms/schemas';

const name = z
  .string()
  .trim()
  .min(1, 'Enter a name')
  .max(80, 'At most 80 characters')
  .regex(/^[^\x00-\x1f\x7f]*$/, 'One line of text, no control characters');

// POST /api/vms/[vmId]/snapshots. memory: a checkpoint (disk + RAM/CPU/devices), else disk only.
export const takeSnapshotSchema = z
  .object({
    name,
    description: z.string().trim().max(500, 'At most 500 characters').optional(),
    memory: z.boolean(),
  })
  .strict();
export type TakeSnapshotInput = z.input<typeof takeSnapshotSchema>;
export type TakeSnapshot = z.output<typeof takeSnapshotSchema>;

// POST /api/vms/[vmId]/snapshots/[snapshotId]/clone: a new VM named like any VM.
export const cloneSnapshotSchema = z.object({ name: createVmSchema.shape.name, start: z.boolean() }).strict();
export type CloneSnapshotInput = z.input<typeof cloneSnapshotSchema>;
export type CloneSnapshot = z.output<typeof cloneSnapshotSchema>;

const vmIds = z.array(z.string().min(1).max(128)).max(256, 'At most 256 VMs');
const tags = z.array(z.string().min(1).max(32)).max(20);

// POST /api/checkpoint-groups: members by hand, by tag, or both (resolved at request time).
export const createGroupSchema = z
  .object({ name, memory: z.boolean(), vmIds: vmIds.optional(), tags: tags.optional() })
  .strict()
  .refine((g) => (g.vmIds?.length ?? 0) + (g.tags?.length ?? 0) > 0, {
    message: 'Choose at least one VM or tag',
    path: ['vmIds'],
  });
export type CreateGroupInput = z.input<typeof createGroupSchema>;
export type CreateGroup = z.output<typeof createGroupSchema>;

// POST /api/snapshot-schedules and PUT /api/snapshot-schedules/[scheduleId] (the whole schedule).
export const scheduleSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(3, 'At least 3 characters')
      .max(60, 'At most 60 characters')
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9 ._-]*$/, 'Letters, digits, spaces, dots, dashes and underscores'),
    enabled: z.boolean(),
    selector: selectorSchema,
    memory: z.boolean(),
    schedule: cronField,
    timezone: timezoneField,
    keep: z.number({ error: 'Enter a number' }).int().min(1, 'Keep at least 1').max(100, 'At most 100'),
  })
  .strict()
  .superRefine(refineCron);
export type ScheduleInput = z.input<typeof scheduleSchema>;
export type Schedule = z.output<typeof scheduleSchema>;

// GET /api/points/stats?days=30
export const pointStatsQuerySchema = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }).strict();
