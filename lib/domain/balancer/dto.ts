// Balancer DTOs shared by the API routes and the UI (no server-only imports here).

export const BALANCER_MODES = ['off', 'recommend', 'automatic'] as const;
export type BalancerMode = (typeof BALANCER_MODES)[number];

// Tag-based rules. VM tags come from Vm.tags; hosts have no tags, so VM-host rules name host ids.
export type AntiAffinityRuleDto = {
  id: string;
  kind: 'vm-vm-anti-affinity';
  name: string;
  tag: string; // VMs carrying this tag must run on distinct hosts
};
export type HostAffinityRuleDto = {
  id: string;
  kind: 'vm-host-affinity';
  name: string;
  tag: string; // VMs carrying this tag...
  hostIds: string[]; // ...belong on one of these hosts
  strength: 'must' | 'should'; // must: never placed elsewhere; should: preferred, moves toward it
};
export type RuleDto = AntiAffinityRuleDto | HostAffinityRuleDto;

export type PolicyDto = {
  mode: BalancerMode;
  intervalSec: number;
  cpuThresholdPct: number; // hosts above are overloaded and drained first, targets never exceed it
  memThresholdPct: number;
  maxConcurrent: number; // migrations per run / applied at once
  cooldownMin: number; // a VM migrated less than this ago is not moved
  excludedVmIds: string[];
  rules: RuleDto[];
  lastRunAt: string | null; // ISO
  updatedAt: string; // ISO
};

export type HostLoadDto = {
  hostId: string;
  name: string;
  cpuPct: number; // predicted demand / capacity, 0..100+
  memPct: number;
  load: number; // combined normalized load used by the imbalance score (0..1+)
};

export type RecommendationState = 'pending' | 'applied' | 'dismissed' | 'expired' | 'failed';

export type RecommendationDto = {
  id: string;
  runId: string;
  vmId: string;
  vmName: string;
  sourceHostId: string;
  sourceHostName: string;
  targetHostId: string;
  targetHostName: string;
  gain: number; // imbalance score reduction expected from this move
  cost: number; // predicted migration seconds
  state: RecommendationState;
  taskId: string | null;
  createdAt: string; // ISO
};

export type RunDto = {
  id: string;
  at: string; // ISO
  mode: BalancerMode;
  trigger: 'schedule' | 'manual';
  imbalanceBefore: number;
  imbalanceAfter: number;
  hostsBefore: HostLoadDto[];
  hostsAfter: HostLoadDto[];
  durationMs: number;
  recommendations: RecommendationDto[];
};

// GET /api/balancer/runs: newest first; enough for the "imbalance over time" chart.
export type RunListDto = { runs: RunDto[] };

export type ApplyResultDto = {
  applied: { recommendationId: string; taskId: string; migrationId: string }[];
  failed: { recommendationId: string; error: string }[];
};
