// The balancer plans each site on its own (pure): two sites share no storage or images, so a VM
// never moves to another site's host, and one site's spare capacity does not hide another's
// imbalance. The sites share the move budget (maxMoves) in name order; the plan's imbalance is the
// worst site's.
import { planBalance } from './planner';
import type { Plan, PlanInput } from './plan-types';

export function planBalanceBySite(input: PlanInput): Plan {
  const sites = [...new Set(input.hosts.map((h) => h.site))].sort();
  if (sites.length <= 1) return planBalance(input);
  const siteOfHost = new Map(input.hosts.map((h) => [h.id, h.site]));
  const plans: Plan[] = [];
  let budget = input.policy.maxMoves;
  for (const site of sites) {
    const plan = planBalance({
      ...input,
      hosts: input.hosts.filter((h) => h.site === site),
      vms: input.vms.filter((v) => siteOfHost.get(v.hostId) === site),
      policy: { ...input.policy, maxMoves: budget },
    });
    budget -= plan.moves.length;
    plans.push(plan);
  }
  const byHost = (key: 'before' | 'after') => {
    const loads = new Map(plans.flatMap((p) => p[key]).map((l) => [l.hostId, l]));
    return input.hosts.map((h) => loads.get(h.id)!);
  };
  return {
    moves: plans.flatMap((p) => p.moves),
    before: byHost('before'),
    after: byHost('after'),
    imbalanceBefore: Math.max(...plans.map((p) => p.imbalanceBefore)),
    imbalanceAfter: Math.max(...plans.map((p) => p.imbalanceAfter)),
  };
}
