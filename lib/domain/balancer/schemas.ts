import { z } from 'zod';
import { BALANCER_MODES } from './dto';
import { ruleConflicts } from './rules';

const tag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/, 'A tag: letters, digits, dot, dash, underscore, colon');
const ruleBase = { id: z.string().trim().min(1).max(64), name: z.string().trim().min(1, 'Name the rule').max(80), tag };

export const ruleSchema = z.discriminatedUnion('kind', [
  z.object({ ...ruleBase, kind: z.literal('vm-vm-anti-affinity') }).strict(),
  z
    .object({
      ...ruleBase,
      kind: z.literal('vm-host-affinity'),
      hostIds: z.array(z.string().min(1)).min(1, 'Pick at least one host').max(500),
      strength: z.enum(['must', 'should']),
    })
    .strict(),
]);

// PUT /api/balancer/policy and the policy form: the whole policy. Conflicts among the rules are
// reported on the rule (422 rules.<i>); the service adds those only the cluster's tags reveal.
export const balancerPolicySchema = z
  .object({
    mode: z.enum(BALANCER_MODES),
    intervalSec: z.number().int().min(30, 'At least 30 s').max(86_400, 'At most a day'),
    cpuThresholdPct: z.number().min(10, 'At least 10 %').max(100, 'At most 100 %'),
    memThresholdPct: z.number().min(10, 'At least 10 %').max(100, 'At most 100 %'),
    maxConcurrent: z.number().int().min(1, 'At least 1').max(32, 'At most 32'),
    cooldownMin: z.number().int().min(0).max(1440, 'At most a day'),
    excludedVmIds: z.array(z.string().min(1)).max(10_000).default([]),
    rules: z.array(ruleSchema).max(200, 'At most 200 rules').default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const c of ruleConflicts(p.rules))
      ctx.addIssue({ code: 'custom', path: ['rules', c.index], message: c.message });
  });
export type BalancerPolicyInput = z.input<typeof balancerPolicySchema>;
export type BalancerPolicy = z.output<typeof balancerPolicySchema>;

export const runsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();
export const recommendationParamSchema = z.object({ recommendationId: z.string().min(1).max(64) }).strict();
