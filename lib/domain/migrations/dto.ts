// Migration DTOs shared by the API, the worker and the UI.

export const MIGRATION_REASONS = ['manual', 'balancer', 'maintenance', 'failover'] as const;
export type MigrationReason = (typeof MIGRATION_REASONS)[number];

export const MIGRATION_STATE = {
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type MigrationState = (typeof MIGRATION_STATE)[keyof typeof MIGRATION_STATE];

// shared: the disk stays where it is (shared pool), only memory moves.
// storage: the target exports an NBD disk, the source mirrors into it, then memory moves.
export type MigrationMode = 'shared' | 'storage';

// preparing/finishing are dashboard-side (target set-up, switch-over); the rest are the agent's.
export type MigrationPhase = 'preparing' | 'mirror' | 'memory' | 'completing' | 'finishing';

// Live progress of a running migration. Written by the vm.migrate handler into the task's
// result JSON (`{ migrationId, progress }`) on every poll, and surfaced here as `progress`.
export type MigrationProgressDto = {
  phase: MigrationPhase;
  transferredBytes: number;
  remainingBytes: number;
  totalBytes: number;
  dirtyPagesRate: number; // pages/s as QEMU reports it
  expectedDowntimeMs: number | null;
  updatedAt: string; // ISO
};

// probe: the link probe's real QEMU migration between the hosts; measured: recent migrations
// between the two hosts; cap: the one requested for this migration (lower than expected
// otherwise); default: the agent's default cap, nothing measured yet.
export type BandwidthSource = 'probe' | 'measured' | 'cap' | 'default';
// history: past migrations of this mode; probe: the target's probed QEMU start; default: assumed.
export type FixedCostSource = 'history' | 'probe' | 'default';

export type MigrationLoadDto = {
  cpuPct: number; // host CPU % (0..100)
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  memoryPct: number; // 0..100
};

// Cost estimate shown before starting (GET /api/vms/:id/migration-estimate?targetHostId=),
// also stored on the Migration row.
export type MigrationEstimateDto = {
  vmId: string;
  sourceHostId: string;
  sourceHostName: string;
  targetHostId: string;
  targetHostName: string;
  mode: MigrationMode;
  memoryBytes: number;
  diskBytes: number; // allocated bytes to mirror (0 in shared mode)
  dirtyRateBytesPerSec: number;
  // measured: agent dirty-rate probe; history: derived from recent disk-write/CPU samples
  // because the agent could not measure; none: no data, assumed idle.
  dirtyRateSource: 'measured' | 'history' | 'none';
  bandwidthBytesPerSec: number;
  bandwidthSource: BandwidthSource;
  fixedMs: number; // worker pickup, target QEMU start, hand-over: part of predictedDurationMs
  fixedSource: FixedCostSource;
  predictedDurationMs: number;
  predictedDowntimeMs: number;
  predictedBytes: number; // disk + memory incl. re-sent dirty pages
  converges: boolean; // false: dirty rate too close to bandwidth, QEMU would have to throttle
  targetLoadBefore: MigrationLoadDto;
  targetLoadAfter: MigrationLoadDto;
  notes: string[]; // human explanations (fallbacks, assumptions, warnings)
  computedAt: string; // ISO
};

export type MigrationDto = {
  id: string;
  vmId: string;
  vmName: string;
  sourceHostId: string;
  sourceHostName: string; // '' when the host was removed
  targetHostId: string;
  targetHostName: string;
  reason: MigrationReason;
  mode: MigrationMode;
  state: MigrationState;
  taskId: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  downtimeMs: number | null;
  bytesTransferred: number;
  diskBytes: number;
  error: string | null;
  estimate: MigrationEstimateDto | null;
  progress: MigrationProgressDto | null; // only while running
};

export type QueueMigrationResultDto = { taskId: string; migrationId: string };
