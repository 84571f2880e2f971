// Small hand-made clusters for the planner's unit tests.
import type { RuleDto } from './dto';
import type { Plan, PlanHost, PlanInput, PlanPolicy, PlanVm } from './plan-types';

export const GiB = 1024 ** 3;
export const NOW = Date.UTC(2026, 0, 1, 12);

export const host = (id: string, o: Partial<PlanHost> = {}): PlanHost => ({
  id,
  site: 'main',
  cpuCapacity: 4,
  memTotalBytes: 16 * GiB,
  maintenance: false,
  online: true,
  ...o,
});

export const vm = (id: string, hostId: string, cpuDemand: number, o: Partial<PlanVm> = {}): PlanVm => ({
  id,
  hostId,
  cpuDemand,
  tags: [],
  memBytes: 1 * GiB,
  lastMigratedAt: null,
  migrationCost: 8,
  ...o,
});

export const basePolicy: PlanPolicy = {
  cpuThresholdPct: 80,
  memThresholdPct: 85,
  maxMoves: 10,
  cooldownMin: 30,
  excludedVmIds: [],
};

export function cluster(
  hosts: PlanHost[],
  vms: PlanVm[],
  o: { policy?: Partial<PlanPolicy>; rules?: RuleDto[] } = {},
): PlanInput {
  return { hosts, vms, rules: o.rules ?? [], policy: { ...basePolicy, ...o.policy }, now: NOW };
}

// The cluster after the plan's moves, each moved VM stamped as just migrated.
export function applied(input: PlanInput, plan: Plan): PlanInput {
  const to = new Map(plan.moves.map((m) => [m.vmId, m.to]));
  return {
    ...input,
    vms: input.vms.map((v) => (to.has(v.id) ? { ...v, hostId: to.get(v.id)!, lastMigratedAt: input.now } : v)),
  };
}

export function placement(input: PlanInput, plan: Plan): Map<string, string> {
  return new Map(applied(input, plan).vms.map((v) => [v.id, v.hostId]));
}
