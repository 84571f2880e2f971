// Balancer planner at vCenter's published maximum (2,500 hosts, 40,000 VMs): planning time
// against the 1 s budget, imbalance before and after. Pure CPU, no QEMU. CPU time is shown next
// to wall time because the machine may be shared. The plan is checked (capacity, rules,
// exclusions, cooldowns), so a fast but wrong planner cannot pass.
import { planViolations } from '@/lib/domain/balancer/plan-check';
import { planBalance } from '@/lib/domain/balancer/planner';
import { simulatedFleet } from '@/lib/domain/balancer/simulated-fleet';
import type { Plan } from '@/lib/domain/balancer/plan-types';
import { median, ms, type BenchRow } from './types';

const BUDGET_MS = 1000;
const RUNS = 5;

export async function plannerBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // A handful of moves is what one run applies at once; without a limit the plan runs until no
  // move qualifies (hysteresis), i.e. the whole rebalancing of this fleet in one plan.
  for (const maxMoves of [32, 1000, Infinity]) {
    const input = simulatedFleet({ hosts: 2500, vms: 40_000, seed: 42, policy: { maxMoves } });
    let plan: Plan = planBalance(input); // warm-up (JIT)
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      plan = planBalance(input);
      wall.push(performance.now() - t);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
    const bad = planViolations(input, plan);
    if (bad.length) throw new Error(`planner produced an invalid plan: ${bad.slice(0, 5).join('; ')}`);
    const [w, c] = [median(wall), median(cpu)];
    const limit = Number.isFinite(maxMoves) ? `up to ${maxMoves} moves` : 'no move limit';
    const label = `2,500 hosts, ${input.vms.length.toLocaleString('en')} VMs, ${input.rules.length} rules, ${limit}`;
    rows.push({
      what: `plan time, ${label} (median of ${RUNS}; CPU ${ms(c)})`,
      value: ms(w),
      yardstick: `budget ${BUDGET_MS} ms`,
      ratio: (w / BUDGET_MS).toFixed(3),
    });
    rows.push({
      what: `imbalance (std-dev of host load) after ${plan.moves.length} moves (plan checked: no capacity or rule violation)`,
      value: plan.imbalanceAfter.toFixed(4),
      yardstick: `before: ${plan.imbalanceBefore.toFixed(4)}`,
      ratio: (plan.imbalanceAfter / plan.imbalanceBefore).toFixed(3),
    });
  }
  return rows;
}
