// "Best host" for moving one VM: the cluster's imbalance score (imbalance.ts, over the hosts that
// take VMs, with the balancer's demand prediction) after moving it to each candidate. Which hosts
// are candidates (room, rules, online) is the caller's choice.
import { PlanState } from './plan-state';
import type { PlanHost, PlanVm } from './plan-types';

export type TargetScore = { hostId: string; imbalance: number };

// Thresholds and cooldown do not matter for a score: only loads and the running sums are used.
const SCORE_ONLY = { cpuThresholdPct: 100, memThresholdPct: 100, maxMoves: 0, cooldownMin: 0, excludedVmIds: [] };

// Best first. A VM missing from the snapshot (it stopped meanwhile) moves no load: all equal.
export function scoreTargets(
  snapshot: { hosts: PlanHost[]; vms: PlanVm[] },
  vmId: string,
  candidates: readonly string[],
): TargetScore[] {
  const st = new PlanState({ ...snapshot, rules: [], now: 0, policy: SCORE_ONLY });
  const vm = snapshot.vms.findIndex((v) => v.id === vmId);
  const cpu = vm >= 0 ? st.vmCpu[vm] : 0;
  const mem = vm >= 0 ? st.vmMem[vm] : 0;
  const from = vm >= 0 ? st.vmHost[vm] : -1;
  // A source outside the score (in maintenance, offline) changes nothing in it when emptied.
  const a0 = from >= 0 && st.eligible[from] ? st.load(from) : { cpu: 0, mem: 0 };
  const a1 = from >= 0 && st.eligible[from] ? st.load(from, -cpu, -mem) : a0;
  const index = new Map(snapshot.hosts.map((h, i) => [h.id, i]));
  return candidates
    .flatMap((hostId) => {
      const to = index.get(hostId);
      if (to === undefined || to === from || !st.eligible[to]) return [];
      const b0 = st.load(to);
      const b1 = st.load(to, cpu, mem);
      return [{ hostId, imbalance: st.sums.scoreIf(a0.cpu, a0.mem, a1.cpu, a1.mem, b0.cpu, b0.mem, b1.cpu, b1.mem) }];
    })
    .sort((a, b) => a.imbalance - b.imbalance);
}
