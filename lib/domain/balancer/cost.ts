// Migration cost for the planner, in predicted seconds: the same pre-copy model as the migration
// estimate (migrations/estimate.ts), fed from history only, because asking every VM's agent for
// a measured dirty rate would make a run as slow as the fleet is large. The bandwidth is the
// agent's default cap (the estimate's assumption before anything is measured).
import { DEFAULT_DOWNTIME_LIMIT_MS, DEFAULT_MAX_BANDWIDTH_BYTES } from '@/lib/agent-protocol/migration';
import { dirtyRateOf, memoryRounds } from '@/lib/domain/migrations/estimate';

export type CostInput = {
  memoryBytes: number;
  rssBytes: number; // touched memory (0 = unknown): untouched pages cost ~nothing
  vcpus: number;
  cpuPct: number; // % of its own vCPUs
  diskBytes: number; // mirrored too when the disk is not on shared storage (0 otherwise)
  diskWriteBytesPerSec: number;
};

export function migrationCostSec(i: CostInput, bandwidth: number = DEFAULT_MAX_BANDWIDTH_BYTES): number {
  const dirty = dirtyRateOf(
    { source: 'history', diskWriteBytesPerSec: i.diskWriteBytesPerSec, cpuPct: i.cpuPct, reason: 'balancer' },
    i.vcpus,
  );
  const send = i.rssBytes > 0 ? Math.min(i.memoryBytes, i.rssBytes) : i.memoryBytes;
  const mem = memoryRounds(send, dirty, bandwidth, DEFAULT_DOWNTIME_LIMIT_MS);
  const net = bandwidth - i.diskWriteBytesPerSec;
  const diskSec = i.diskBytes > 0 ? i.diskBytes / Math.max(net, bandwidth / 30) : 0;
  return Math.round((diskSec + mem.ms / 1000) * 100) / 100;
}
