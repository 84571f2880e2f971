import 'server-only';
import type { BackupJob, BackupRepository, BackupRun, RestorePoint } from '@/lib/generated/prisma/client';
import type {
  BackupJobDto,
  BackupRepositoryDto,
  BackupRunDto,
  BackupRunState,
  BackupRunVmResult,
  RepositoryKind,
  RepositoryStatus,
  RestorePointDto,
  RestorePointKind,
  RetentionPolicy,
  VerifyState,
} from './dto';
import { describeSchedule } from './schedule';
import { parseSelector } from './selector';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toRepositoryDto(
  r: BackupRepository,
  hostName: string | null,
  counts: { jobs: number; points: number; pointBytes: number },
): BackupRepositoryDto {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as RepositoryKind,
    hostId: r.hostId,
    hostName,
    path: r.path,
    status: r.status as RepositoryStatus,
    lastError: r.lastError,
    totalBytes: Number(r.totalBytes),
    freeBytes: Number(r.freeBytes),
    usedBytes: Number(r.usedBytes),
    checkedAt: iso(r.checkedAt),
    jobCount: counts.jobs,
    pointCount: counts.points,
    pointBytes: counts.pointBytes,
    createdAt: r.createdAt.toISOString(),
  };
}

export function toRunDto(r: BackupRun): BackupRunDto {
  return {
    id: r.id,
    jobId: r.jobId,
    taskId: r.taskId,
    trigger: r.trigger as BackupRunDto['trigger'],
    state: r.state as BackupRunState,
    startedAt: r.startedAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    durationMs: r.durationMs,
    bytesWritten: Number(r.bytesWritten),
    sizeBytes: Number(r.sizeBytes),
    vmCount: r.vmCount,
    failedCount: r.failedCount,
    error: r.error,
    results: JSON.parse(r.results) as BackupRunVmResult[],
  };
}

export const parseRetention = (json: string): RetentionPolicy => ({
  keepLast: 0,
  daily: 0,
  weekly: 0,
  monthly: 0,
  yearly: 0,
  ...(JSON.parse(json) as Partial<RetentionPolicy>),
});

export function toJobDto(
  j: BackupJob & { repository: { name: string } },
  extra: {
    resolvedVms: { id: string; name: string }[];
    lastRun: BackupRun | null;
    activeTaskId: string | null;
    pointCount: number;
  },
): BackupJobDto {
  return {
    id: j.id,
    name: j.name,
    enabled: j.enabled,
    repositoryId: j.repositoryId,
    repositoryName: j.repository.name,
    selector: parseSelector(j.selector),
    resolvedVms: extra.resolvedVms,
    schedule: j.schedule,
    scheduleDescription: describeSchedule(j.schedule, j.timezone),
    timezone: j.timezone,
    retention: parseRetention(j.retention),
    concurrency: j.concurrency,
    verifySchedule: j.verifySchedule,
    nextRunAt: iso(j.nextRunAt),
    nextVerifyAt: iso(j.nextVerifyAt),
    lastRunAt: iso(j.lastRunAt),
    lastRun: extra.lastRun ? toRunDto(extra.lastRun) : null,
    activeTaskId: extra.activeTaskId,
    pointCount: extra.pointCount,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  };
}

export function toPointDto(p: RestorePoint, jobName: string | null): RestorePointDto {
  return {
    id: p.id,
    vmId: p.vmId,
    vmName: p.vmName,
    jobId: p.jobId,
    jobName,
    runId: p.runId,
    repositoryId: p.repositoryId,
    hostId: p.hostId,
    kind: p.kind as RestorePointKind,
    fullReason: p.fullReason,
    chainId: p.chainId,
    parentId: p.parentId,
    filePath: p.filePath,
    sha256: p.sha256,
    sizeBytes: Number(p.sizeBytes),
    virtualSizeBytes: Number(p.virtualSizeBytes),
    bytesWritten: Number(p.bytesWritten),
    durationMs: p.durationMs,
    takenAt: p.takenAt.toISOString(),
    vmSpec: JSON.parse(p.vmSpec) as RestorePointDto['vmSpec'],
    verifyState: p.verifyState as VerifyState,
    verifyMessage: p.verifyMessage,
    verifiedAt: iso(p.verifiedAt),
    createdAt: p.createdAt.toISOString(),
  };
}
