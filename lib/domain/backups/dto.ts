// DTOs of the backup domain (repositories, jobs, runs, restore points, protection), shared with the UI.

export type RepositoryKind = 'shared' | 'host';
export type RepositoryStatus = 'ok' | 'full' | 'unavailable' | 'unknown';

export type BackupRepositoryDto = {
  id: string;
  name: string;
  kind: RepositoryKind;
  hostId: string | null; // kind=host: the only host (and its VMs) that can use it
  hostName: string | null;
  path: string;
  status: RepositoryStatus;
  lastError: string | null;
  totalBytes: number;
  freeBytes: number;
  usedBytes: number;
  checkedAt: string | null;
  jobCount: number;
  pointCount: number;
  pointBytes: number; // sum of its restore points' file sizes (what deleting them frees)
  createdAt: string;
};

export const USAGE_RANGES = { '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 } as const;
export type UsageRange = keyof typeof USAGE_RANGES;
export type RepositoryUsagePoint = { t: number; usedBytes: number; freeBytes: number };
export type RepositoryUsageDto = { range: UsageRange; points: RepositoryUsagePoint[] };

export type VmSelector = { vmIds: string[]; tags: string[] };
export type RetentionPolicy = { keepLast: number; daily: number; weekly: number; monthly: number; yearly: number };

export type BackupRunState = 'running' | 'succeeded' | 'partial' | 'failed';

export type BackupRunVmResult = {
  vmId: string;
  vmName: string;
  state: 'running' | 'succeeded' | 'failed' | 'skipped'; // 'running' only while the run is
  kind: 'full' | 'incremental' | null;
  fullReason: string | null; // why a full was taken when an incremental was possible in principle
  bytesWritten: number;
  sizeBytes: number;
  durationMs: number;
  pointId: string | null;
  error: string | null; // coded error message ("STORAGE_FULL: ...")
  hostId?: string; // where the agent writes it; lets a recovered run remove an unregistered file
  operationId?: string;
};

export type BackupRunDto = {
  id: string;
  jobId: string;
  taskId: string | null;
  trigger: 'schedule' | 'manual';
  state: BackupRunState;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  bytesWritten: number;
  sizeBytes: number;
  vmCount: number;
  failedCount: number;
  error: string | null;
  results: BackupRunVmResult[];
};

export type BackupJobDto = {
  id: string;
  name: string;
  enabled: boolean;
  repositoryId: string;
  repositoryName: string;
  selector: VmSelector;
  resolvedVms: { id: string; name: string }[]; // VMs the selector matches now
  schedule: string;
  scheduleDescription: string; // the cron in words
  timezone: string;
  retention: RetentionPolicy;
  concurrency: number;
  verifySchedule: string | null;
  nextRunAt: string | null;
  nextVerifyAt: string | null;
  lastRunAt: string | null;
  lastRun: BackupRunDto | null;
  activeTaskId: string | null; // a queued/running backup.run task of this job
  pointCount: number;
  createdAt: string;
  updatedAt: string;
};

export const RESTORE_POINT_KINDS = ['full', 'incremental', 'safety'] as const;
export type RestorePointKind = (typeof RESTORE_POINT_KINDS)[number];
export const VERIFY_STATES = ['unverified', 'ok', 'failed', 'boot-ok', 'boot-failed'] as const;
export type VerifyState = (typeof VERIFY_STATES)[number];
// A restore from a point in one of these states needs the caller's explicit acceptance.
export const failedVerifyState = (s: string) => s === 'failed' || s === 'boot-failed';

export type RestorePointVmSpec = {
  vcpus: number;
  memoryMiB: number;
  boot: { kernelPath?: string; initrdPath?: string; append?: string }; // from the VM's image (direct kernel boot)
  imageId: string | null;
  tags: string[];
};

export type RestorePointDto = {
  id: string;
  vmId: string;
  vmName: string;
  jobId: string | null;
  jobName: string | null;
  runId: string | null;
  repositoryId: string | null;
  hostId: string;
  kind: RestorePointKind;
  fullReason: string | null;
  chainId: string;
  parentId: string | null;
  filePath: string;
  sha256: string;
  sizeBytes: number;
  virtualSizeBytes: number;
  bytesWritten: number;
  durationMs: number;
  takenAt: string;
  vmSpec: RestorePointVmSpec;
  verifyState: VerifyState;
  verifyMessage: string | null;
  verifiedAt: string | null;
  createdAt: string;
};

// Per-VM protection: last good point's age against the covering jobs' schedule interval.
export type ProtectionStatus = 'protected' | 'late' | 'failed' | 'unprotected';
export type VmProtectionDto = {
  vmId: string;
  vmName: string;
  hostId: string;
  status: ProtectionStatus;
  reason: string; // in words, e.g. "last good point 3 h ago, schedule every 1 h"
  jobs: { id: string; name: string; enabled: boolean }[];
  lastPointId: string | null;
  lastPointAt: string | null;
  lastPointAgeSec: number | null;
  intervalSec: number | null; // shortest schedule interval among the covering jobs
  lastRunState: BackupRunState | null;
  lastRunError: string | null;
};

// POST /api/backup-jobs/preview
export type RetentionReason = string; // "keep-last 3", "daily 2026-11-20", "chain head", ...
export type BackupPreviewDto = {
  description: string;
  nextRuns: string[]; // ISO
  retention: {
    simulated: { at: string; keep: boolean; reasons: RetentionReason[] }[];
    existing: { pointId: string; takenAt: string; keep: boolean; reasons: RetentionReason[] }[];
  };
};
