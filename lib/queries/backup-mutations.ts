'use client';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { BackupJobDto, BackupRepositoryDto } from '@/lib/domain/backups/dto';
import type {
  CreateJobInput,
  CreateRepositoryInput,
  DeleteRepositoryQuery,
  UpdateJob,
} from '@/lib/domain/backups/schemas';
import type { RestoreAcceptedDto } from '@/lib/domain/restores/dto';
import type { RestoreRequestInput } from '@/lib/domain/restores/schemas';
import { apiFetch } from './api-fetch';
import { backupQueries } from './backup-queries';
import { taskQueries } from './task-queries';
import type { TaskAccepted } from './vm-mutations';
import { vmQueries } from './vm-queries';

const enc = encodeURIComponent;

async function invalidateBackups(qc: QueryClient) {
  await Promise.all([
    qc.invalidateQueries({ queryKey: backupQueries.all() }),
    qc.invalidateQueries({ queryKey: taskQueries.all() }),
  ]);
}

export function useRegisterRepository() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not register the repository' },
    mutationFn: (input: CreateRepositoryInput) =>
      apiFetch<BackupRepositoryDto>('/api/backup-repositories', { method: 'POST', json: input }),
    onSuccess: () => invalidateBackups(qc),
  });
}

export function useDeleteRepository() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not remove the repository' },
    mutationFn: ({ repositoryId, mode }: { repositoryId: string; mode?: DeleteRepositoryQuery['mode'] }) =>
      apiFetch<void>(`/api/backup-repositories/${enc(repositoryId)}`, {
        method: 'DELETE',
        query: mode ? { mode } : undefined,
      }),
    onSuccess: () => invalidateBackups(qc),
  });
}

/** Create (no jobId) or edit a job. */
export function useSaveJob(jobId?: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: jobId ? 'Could not save the job' : 'Could not create the job' },
    mutationFn: (input: CreateJobInput | UpdateJob) =>
      jobId
        ? apiFetch<BackupJobDto>(`/api/backup-jobs/${enc(jobId)}`, { method: 'PATCH', json: input })
        : apiFetch<BackupJobDto>('/api/backup-jobs', { method: 'POST', json: input }),
    onSuccess: () => invalidateBackups(qc),
  });
}

export function useSetJobEnabled() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not change the job' },
    mutationFn: ({ jobId, enabled }: { jobId: string; enabled: boolean }) =>
      apiFetch<BackupJobDto>(`/api/backup-jobs/${enc(jobId)}`, { method: 'PATCH', json: { enabled } }),
    onSuccess: () => invalidateBackups(qc),
  });
}

export function useDeleteJob() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the job' },
    mutationFn: (jobId: string) => apiFetch<void>(`/api/backup-jobs/${enc(jobId)}`, { method: 'DELETE' }),
    onSuccess: () => invalidateBackups(qc),
  });
}

export function useRunJob() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the backup' },
    mutationFn: (jobId: string) => apiFetch<TaskAccepted>(`/api/backup-jobs/${enc(jobId)}/run`, { method: 'POST' }),
    onSuccess: () => invalidateBackups(qc),
  });
}

export function useVerifyPoint() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the verification' },
    mutationFn: ({ pointId, boot }: { pointId: string; boot: boolean }) =>
      apiFetch<TaskAccepted>(`/api/restore-points/${enc(pointId)}/verify`, { method: 'POST', json: { boot } }),
    onSuccess: () => invalidateBackups(qc),
  });
}

// Admin-only; merge: fold the point into the points backed by it (the server refuses without it).
export function useDeletePoint() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the restore point' },
    mutationFn: ({ pointId, merge }: { pointId: string; merge: boolean }) =>
      apiFetch<TaskAccepted & { dependants: string[] }>(`/api/restore-points/${enc(pointId)}`, {
        method: 'DELETE',
        query: { merge: String(merge) },
      }),
    onSuccess: () => invalidateBackups(qc),
  });
}

export function useRestorePoint(pointId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the restore' },
    mutationFn: (input: RestoreRequestInput) =>
      apiFetch<RestoreAcceptedDto>(`/api/restore-points/${enc(pointId)}/restore`, { method: 'POST', json: input }),
    // Not awaited: the dialog switches to the task's progress at once instead of after every refetch.
    onSuccess: () => {
      void invalidateBackups(qc);
      void qc.invalidateQueries({ queryKey: vmQueries.all() });
    },
  });
}
