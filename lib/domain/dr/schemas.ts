// Input schemas of disaster recovery (replication jobs, run now, failover, test failover), shared
// by the routes under app/api/dr and the /dr forms. JSON bodies take exact types (no coercion).
import { z } from 'zod';
import { replicaPointIdSchema } from '@/lib/agent-protocol/replication';

export const DR_LIMITS = {
  intervalSec: { min: 15, max: 86_400, default: 60 },
  keepPoints: { min: 1, max: 100, default: 8 },
  rpoTargetSec: { min: 15, max: 7 * 86_400 },
} as const;

const count = z.number({ error: 'Enter a number' }).int('A whole number');
const intervalSec = count
  .min(DR_LIMITS.intervalSec.min, `At least ${DR_LIMITS.intervalSec.min} seconds`)
  .max(DR_LIMITS.intervalSec.max, 'At most one day (86400 seconds)');
const keepPoints = count
  .min(DR_LIMITS.keepPoints.min, 'Keep at least 1 point')
  .max(DR_LIMITS.keepPoints.max, `At most ${DR_LIMITS.keepPoints.max} points`);
const rpoTargetSec = count
  .min(DR_LIMITS.rpoTargetSec.min, `At least ${DR_LIMITS.rpoTargetSec.min} seconds`)
  .max(DR_LIMITS.rpoTargetSec.max, 'At most 7 days (604800 seconds)');
const id = z.string().min(1).max(64);
// An id picked in a form: empty means nothing was chosen yet.
const chosen = (message: string) => z.string().min(1, message).max(64);

// POST /api/dr/jobs. rpoTargetSec defaults to twice the interval (drRpoTargetSec).
export const createReplicationJobSchema = z
  .object({
    vmId: chosen('Choose a VM'),
    targetHostId: chosen('Choose a target host'),
    intervalSec: intervalSec.default(DR_LIMITS.intervalSec.default),
    keepPoints: keepPoints.default(DR_LIMITS.keepPoints.default),
    rpoTargetSec: rpoTargetSec.optional(),
  })
  .strict();
export type CreateReplicationJobInput = z.input<typeof createReplicationJobSchema>;
export type CreateReplicationJob = z.output<typeof createReplicationJobSchema>;

// PATCH /api/dr/jobs/[jobId]: any subset; fullNext asks for a full copy at the next run.
export const updateReplicationJobSchema = z
  .object({
    intervalSec: intervalSec.optional(),
    keepPoints: keepPoints.optional(),
    rpoTargetSec: rpoTargetSec.optional(),
    enabled: z.boolean().optional(),
    fullNext: z.boolean().optional(),
  })
  .strict();
export type UpdateReplicationJobInput = z.input<typeof updateReplicationJobSchema>;
export type UpdateReplicationJob = z.output<typeof updateReplicationJobSchema>;

// POST /api/dr/jobs/[jobId]/failover. planned: stop the source, sync once more, switch (zero
// loss; pointId not allowed). Unplanned: the chosen point, or the newest when none is given.
export const drFailoverSchema = z
  .object({ planned: z.boolean(), pointId: replicaPointIdSchema.optional() })
  .strict()
  .refine((f) => !(f.planned && f.pointId), {
    message: 'A planned failover always uses a fresh final point',
    path: ['pointId'],
  });
export type DrFailoverInput = z.input<typeof drFailoverSchema>;
export type DrFailover = z.output<typeof drFailoverSchema>;

// POST /api/dr/jobs/[jobId]/test-failover: the chosen point, or the newest when none is given.
export const drTestFailoverSchema = z.object({ pointId: replicaPointIdSchema.optional() }).strict();
export type DrTestFailoverInput = z.input<typeof drTestFailoverSchema>;
export type DrTestFailover = z.output<typeof drTestFailoverSchema>;

// GET /api/dr/jobs?vmId=: the job protecting this VM, or whose replica (or dr-test) it is.
export const listDrJobsQuerySchema = z.object({ vmId: id.optional() }).strict();
export type ListDrJobsQuery = z.output<typeof listDrJobsQuerySchema>;

// GET /api/dr/overview?windowSec=: the lag series window; query strings are coerced.
export const drOverviewQuerySchema = z
  .object({ windowSec: z.coerce.number().int().min(60).max(86_400).default(3600) })
  .strict();
export type DrOverviewQuery = z.output<typeof drOverviewQuerySchema>;

// The default RPO target: two intervals (one run may be late before the VM counts as late).
export const drRpoTargetSec = (intervalSec: number) => Math.min(DR_LIMITS.rpoTargetSec.max, 2 * intervalSec);

// POST /api/dr/jobs/[jobId]/failback. start: the replica (now the VM) replicates back into the
// original disk at the job's interval; complete: the switch back (task dr.failback).
export const drFailbackSchema = z.object({ action: z.enum(['start', 'complete']) }).strict();
export type DrFailbackInput = z.input<typeof drFailbackSchema>;
export type DrFailback = z.output<typeof drFailbackSchema>;

export const PLAN_LIMITS = { members: 100, order: 99 } as const;

const planMember = z
  .object({
    vmId: chosen('Choose a VM'),
    order: count.min(0, 'At least 0').max(PLAN_LIMITS.order, `At most ${PLAN_LIMITS.order}`),
  })
  .strict();
const planMembers = z
  .array(planMember)
  .min(1, 'Add at least one VM')
  .max(PLAN_LIMITS.members, `At most ${PLAN_LIMITS.members} VMs`)
  .refine((m) => new Set(m.map((x) => x.vmId)).size === m.length, { message: 'A VM appears once in a plan' });
const planName = z
  .string()
  .trim()
  .min(1, 'Enter a name')
  .max(80, 'At most 80 characters')
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'No control characters');

// POST /api/dr/plans; PATCH /api/dr/plans/[planId] takes any subset.
export const createFailoverPlanSchema = z.object({ name: planName, members: planMembers }).strict();
export type CreateFailoverPlanInput = z.input<typeof createFailoverPlanSchema>;
export type CreateFailoverPlan = z.output<typeof createFailoverPlanSchema>;
export const updateFailoverPlanSchema = z
  .object({ name: planName.optional(), members: planMembers.optional() })
  .strict();
export type UpdateFailoverPlanInput = z.input<typeof updateFailoverPlanSchema>;
export type UpdateFailoverPlan = z.output<typeof updateFailoverPlanSchema>;

// POST /api/dr/plans/[planId]/run: test (dr.manage) or planned / unplanned failover (dr.failover).
export const runFailoverPlanSchema = z.object({ kind: z.enum(['test', 'planned', 'unplanned']) }).strict();
export type RunFailoverPlanInput = z.input<typeof runFailoverPlanSchema>;
export type RunFailoverPlan = z.output<typeof runFailoverPlanSchema>;
