import 'server-only';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { POLICY_ID, policyRow, toPolicyDto } from '@/lib/domain/balancer/queries';
import { applyPending, runBalancerPass } from '@/lib/domain/balancer/service';

// Periodic balancer check (worker): runs when the policy is not off and its interval has
// elapsed. Recommend mode only stores recommendations; automatic mode applies them (the plan
// already holds at most maxConcurrent moves minus the migrations still running).
export async function balancerTick(log: (msg: string) => void, now = new Date()): Promise<void> {
  const policy = toPolicyDto(await policyRow());
  if (policy.mode === 'off') return;
  if (policy.lastRunAt && now.getTime() - Date.parse(policy.lastRunAt) < policy.intervalSec * 1000) return;
  // Claim this slot (compare-and-set on lastRunAt) so several workers never run it twice.
  const lastRunAt = policy.lastRunAt ? new Date(policy.lastRunAt) : null;
  if (!(await db().balancerPolicy.updateMany({ where: { id: POLICY_ID, lastRunAt }, data: { lastRunAt: now } })).count)
    return;
  const run = await runBalancerPass('schedule', now);
  if (policy.mode !== 'automatic' || !run.recommendations.length) return;
  const out = await applyPending(SYSTEM_ACTOR, policy.maxConcurrent);
  log(
    `balancer applied ${out.applied.length} of ${run.recommendations.length} recommendation(s)${out.failed.length ? `; failed: ${out.failed.map((f) => f.error).join('; ')}` : ''}`,
  );
}
