import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type {
  BackupJobDto,
  BackupPreviewDto,
  BackupRepositoryDto,
  BackupRunDto,
  RestorePointDto,
  RepositoryUsageDto,
  UsageRange,
  VmProtectionDto,
  RetentionPolicy,
} from '@/lib/domain/backups/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

export type PreviewInput = { schedule: string; timezone: string; retention: RetentionPolicy; jobId?: string };

const enc = encodeURIComponent;

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
  restorePoints: (vmId: string) =>
    queryOptions({
      queryKey: [...backupQueries.all(), 'restore-points', vmId] as const,
      queryFn: ({ signal }) => apiFetch<RestorePointDto[]>('/api/restore-points', { signal, query: { vmId } }),
      refetchInterval: POLL.live,
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
