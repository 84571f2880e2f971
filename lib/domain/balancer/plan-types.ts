// Input and output of the pure planner (planner.ts). Times are epoch milliseconds.
import type { RuleDto } from './dto';

export type PlanHost = {
  id: string;
  site: string; // moves stay inside a site (planBalanceBySite): two sites share no storage
  cpuCapacity: number;
  memTotalBytes: number;
  maintenance: boolean;
  online: boolean;
};

export type PlanVm = {
  id: string;
  hostId: string;
  tags: string[];
  memBytes: number;
  cpuDemand: number; // predicted cores (demand.ts)
  lastMigratedAt: number | null;
  migrationCost: number; // predicted seconds (cost.ts)
};

export type PlanPolicy = {
  cpuThresholdPct: number;
  memThresholdPct: number;
  maxMoves: number;
  cooldownMin: number;
  excludedVmIds: readonly string[];
  // Hysteresis: a balancing move must cut the summed squared load deviation by at least this
  // (a per-move quantity, independent of fleet size), so near-balanced hosts are left alone.
  minGain?: number;
};

export type PlanInput = { hosts: PlanHost[]; vms: PlanVm[]; policy: PlanPolicy; rules: RuleDto[]; now: number };

export type HostLoad = { hostId: string; cpuPct: number; memPct: number; load: number };

// gain: how much this move lowers the imbalance score (the gains add up to before - after).
export type PlannedMove = { vmId: string; from: string; to: string; gain: number; cost: number };

export type Plan = {
  moves: PlannedMove[];
  before: HostLoad[];
  after: HostLoad[];
  imbalanceBefore: number;
  imbalanceAfter: number;
};
