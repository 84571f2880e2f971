// The balancer's planner: a pure function from a cluster snapshot to a list of migrations.
// Greedy: each round takes the VMs of the most pressured hosts (plus VMs breaking a rule) and the
// least pressured targets, scores every (VM, target) pair in O(1) with the incremental imbalance
// sums, and applies the best one: rule repairs first, then relief of hosts above a threshold,
// then plain balancing, each ranked by imbalance reduction per second of migration. A balancing
// move must gain at least minGain (hysteresis), so a balanced cluster gets no moves and a second
// pass over the result proposes nothing, in particular no reverse move.
import type { Plan, PlanInput, PlannedMove } from './plan-types';
import { PlanState } from './plan-state';
import { checkMove, ruleHosts, violates } from './rules';

export const DEFAULT_MIN_GAIN = 0.001;
// Most pressured sources and least pressured targets looked at per round. A source with no
// qualifying move against the least pressured targets is dropped: targets only fill up as the
// plan proceeds, so its best gain can only shrink (it comes back if it receives a VM).
const SOURCES = 8;
const TARGETS = 8;
// Added to the cost so a near-free move (tiny VM) cannot win on an enormous ratio alone.
const COST_FLOOR_SEC = 1;

type Candidate = { vm: number; to: number; tier: number; rank: number };

export function planBalance(input: PlanInput): Plan {
  const st = new PlanState(input);
  const before = st.hostLoads();
  const imbalanceBefore = st.sums.score();
  const minGain = input.policy.minGain ?? DEFAULT_MIN_GAIN;
  const moves: PlannedMove[] = [];
  // Each round either applies a move or drops at least one source or violator, so this ends.
  while (moves.length < input.policy.maxMoves && (st.src.size || st.violators.length)) {
    // The round's best move first; then the best moves between hosts this round has not touched
    // yet, each re-scored against the cluster as it is now (a batch of independent moves saves
    // rescanning the same hosts for each one).
    const touched = new Set<number>();
    for (const c of roundCandidates(st, minGain)) {
      const from = st.vmHost[c.vm];
      if (moves.length >= input.policy.maxMoves || touched.has(from) || touched.has(c.to) || !st.movable[c.vm])
        continue;
      if (touched.size && evaluate(st, c.vm, c.to, minGain, baseOf(st)) < 0) continue;
      const score = st.sums.score();
      st.apply(c.vm, c.to);
      touched.add(from).add(c.to);
      const vm = input.vms[c.vm];
      moves.push({
        vmId: vm.id,
        from: input.hosts[from].id,
        to: input.hosts[c.to].id,
        gain: score - st.sums.score(),
        cost: vm.migrationCost,
      });
    }
  }
  return { moves, before, after: st.hostLoads(), imbalanceBefore, imbalanceAfter: st.sums.score() };
}

const baseOf = (st: PlanState) => st.sums.n * st.sums.score() ** 2;

// The best move for each pair of (most pressured source, least pressured target) and of each
// rule-breaking VM, best first.
function roundCandidates(st: PlanState, minGain: number): Candidate[] {
  const targets = st.dst.top(TARGETS);
  const base = baseOf(st);
  const out: Candidate[] = [];
  let best: Candidate | null = null;
  const consider = (vm: number, to: number): boolean => {
    const tier = evaluate(st, vm, to, minGain, base);
    if (tier < 0) return false;
    if (!best || tier > best.tier || (tier === best.tier && scratch.rank > best.rank))
      best = { vm, to, tier, rank: scratch.rank };
    return true;
  };
  for (const h of st.src.top(SOURCES)) {
    let found = false;
    for (const to of targets) {
      best = null;
      for (const vm of st.hostVms[h]) consider(vm, to);
      if (best) out.push(best);
      found ||= best !== null;
    }
    if (!found) st.src.remove(h);
  }
  // VMs breaking a rule may sit on lightly loaded hosts: look at them every round, with the
  // hosts their rules point to. One that cannot be repaired now is dropped, like a source.
  st.violators = st.violators.filter((vm) => {
    if (!st.movable[vm] || !violates(st.rules, vm, st.vmHost[vm])) return false;
    best = null;
    for (const to of ruleHosts(st.rules, vm) ?? targets) consider(vm, to);
    if (best) out.push(best);
    return best !== null;
  });
  return out.sort((a, b) => b.tier - a.tier || b.rank - a.rank);
}

// evaluate() runs once per candidate move, so it allocates nothing: it returns the move's tier
// (-1: not allowed or not worth it) and leaves its rank here.
const scratch = { rank: 0 };

function evaluate(st: PlanState, vm: number, to: number, minGain: number, base: number): number {
  const from = st.vmHost[vm];
  if (to === from || !st.eligible[to] || !st.fits(vm, to)) return -1;
  const fixes = checkMove(st.rules, vm, from, to);
  if (fixes < 0) return -1;
  const [cpu, mem] = [st.vmCpu[vm], st.vmMem[vm]];
  const ac = st.cpuUsed[from] * st.invCpu[from];
  const am = st.memUsed[from] * st.invMem[from];
  const bc = st.cpuUsed[to] * st.invCpu[to];
  const bm = st.memUsed[to] * st.invMem[to];
  const after = st.sums.scoreIf(
    ac,
    am,
    ac - cpu * st.invCpu[from],
    am - mem * st.invMem[from],
    bc,
    bm,
    bc + cpu * st.invCpu[to],
    bm + mem * st.invMem[to],
  );
  // Gain in summed squared deviation (n·score²): what one move changes, whatever the fleet size.
  const gain = base - st.sums.n * after * after;
  const tier = fixes === 2 ? 3 : fixes === 1 ? 2 : st.overloaded(from) ? 1 : 0;
  if (tier <= 1 && gain < minGain) return -1;
  scratch.rank = gain / (st.vmCost[vm] + COST_FLOOR_SEC);
  return tier;
}
