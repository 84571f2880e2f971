import { z } from 'zod';
import { HA_ADMISSION_MODES, HA_PRIORITIES } from './dto';

// PUT /api/ha/policy and the HA policy form: the whole policy.
export const haPolicySchema = z
  .object({
    enabled: z.boolean(),
    admission: z.enum(HA_ADMISSION_MODES),
    hostFailuresToTolerate: z.number({ error: 'Enter a number' }).int().min(1, 'At least 1').max(16, 'At most 16'),
    failoverHostIds: z.array(z.string().min(1).max(64)).max(64, 'At most 64 hosts').default([]),
    edacThreshold: z.number({ error: 'Enter a number' }).int().min(1, 'At least 1').max(1_000_000, 'At most 1 000 000'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.admission === 'failover-hosts' && !p.failoverHostIds.length)
      ctx.addIssue({ code: 'custom', path: ['failoverHostIds'], message: 'Pick at least one failover host' });
    if (new Set(p.failoverHostIds).size !== p.failoverHostIds.length)
      ctx.addIssue({ code: 'custom', path: ['failoverHostIds'], message: 'A host is listed twice' });
  });
export type HaPolicyInput = z.input<typeof haPolicySchema>;
export type HaPolicy = z.output<typeof haPolicySchema>;

// PATCH /api/vms/:id/ha and the VM page's HA card.
export const vmHaSchema = z
  .object({
    enabled: z.boolean(),
    priority: z.enum(HA_PRIORITIES),
    order: z.number({ error: 'Enter a number' }).int().min(0, 'At least 0').max(10_000, 'At most 10 000'),
  })
  .strict();
export type VmHaInput = z.input<typeof vmHaSchema>;

// POST /api/vms/:id/failover: restart a VM whose host failed on a named host, or the best one.
export const failoverSchema = z.object({ targetHostId: z.string().min(1, 'Choose a host or "best"').max(64) }).strict();
export type FailoverInput = z.input<typeof failoverSchema>;

export const restartIdParamSchema = z.object({ restartId: z.string().min(1).max(64) }).strict();
