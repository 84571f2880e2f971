import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type {
  BackupJobDto,
  BackupPreviewDto,
  BackupRepositoryDto,
  BackupRunDto,
  RestorePointDto,
  RestorePointKind,
  VerifyState,
  RepositoryUsageDto,
  UsageRange,
  VmProtectionDto,
  RetentionPolicy,
} from '@/lib/domain/backups/dto';
import type { RestorePointSort } from '@/lib/domain/backups/schemas';
import { apiFetch } from './api-fetch';
import { allPages, pagedList } from './paged';
import { POLL } from './poll';

export type PreviewInput = { schedule: string; timezone: string; retention: RetentionPolicy; jobId?: string };

const enc = encodeURIComponent;
const POLLED_ROWS = 500; // deeper in the list, polling would refetch too many pages

// GET /api/restore-points's filters and order (lib/domain/backups/schemas.ts); times as ISO strings.
export type RestorePointListQuery = {
  q?: string;
  vmId?: string;
  jobId?: string;
  repositoryId?: string;
  kind?: RestorePointKind;
  verifyState?: VerifyState;
  from?: string;
  to?: string;
  sort?: RestorePointSort;
  order?: 'asc' | 'desc';
};

export function restorePointListQuery(f: RestorePointListQuery): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(f)) out[k] = typeof v === 'string' ? v.trim() || undefined : undefined;
  return out;
}

export const backupQueries = {
  all: () => ['backups'] as const,
  repositories: () =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'repositories'] as const,
      queryFn: ({ signal }) => apiFetch<BackupRepositoryDto[]>('/api/backup-repositories', { signal }),
      refetchInterval: POLL.idleTasks,
    }),
  repositoryUsage: (repositoryId: string, range: UsageRange) =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'repositories', repositoryId, 'usage', range] as const,
      queryFn: ({ signal }) =>
        apiFetch<RepositoryUsageDto>(`/api/backup-repositories/${enc(repositoryId)}/usage`, {
          signal,
          query: { range },
        }),
      refetchInterval: POLL.idleTasks,
      placeholderData: keepPreviousData,
    }),
  jobs: () =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'jobs'] as const,
      queryFn: ({ signal }) => apiFetch<BackupJobDto[]>('/api/backup-jobs', { signal }),
      // Fast while a job runs so its last-run cell turns over as soon as the task ends.
      refetchInterval: (q) => (q.state.data?.some((j) => j.activeTaskId) ? POLL.activeTasks : POLL.live),
    }),
  runs: (jobId: string) =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'jobs', jobId, 'runs'] as const,
      queryFn: ({ signal }) => apiFetch<BackupRunDto[]>(`/api/backup-jobs/${enc(jobId)}/runs`, { signal }),
      refetchInterval: POLL.idleTasks,
      placeholderData: keepPreviousData,
    }),
  protection: () =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'protection'] as const,
      queryFn: ({ signal }) => apiFetch<VmProtectionDto[]>('/api/backups/protection', { signal }),
      refetchInterval: POLL.live,
    }),
  // Every point of one VM (its timeline, restore and delete dialogs need the whole chain).
  restorePoints: (vmId: string) =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'restore-points', vmId] as const,
      queryFn: ({ signal }) => allPages<RestorePointDto>('/api/restore-points', { vmId, sort: 'taken' }, signal),
      refetchInterval: POLL.live,
    }),
  // The restore points page: a page at a time as it scrolls, filtered and sorted by the server.
  pointsPaged: (f: RestorePointListQuery) =>
    pagedList<RestorePointDto>({
      queryKey: [...backupQueries.all(), 'restore-points', 'paged', f],
      path: '/api/restore-points',
      query: restorePointListQuery(f),
      refetchInterval: (rows) => (rows.length <= POLLED_ROWS ? POLL.live : false),
    }),
  /**
   * Schedule in words, next runs and what a retention policy keeps; POST because it takes a body, but it changes
   * nothing.
   */
  preview: (input: PreviewInput) =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'preview', input] as const,
      queryFn: ({ signal }) =>
        apiFetch<BackupPreviewDto>('/api/backup-jobs/preview', { signal, method: 'POST', json: input }),
      placeholderData: keepPreviousData,
      retry: false,
      staleTime: 60_000,
    }),
};
