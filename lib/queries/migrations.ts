'use client';
import { keepPreviousData, queryOptions, useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { MigrationDto, MigrationEstimateDto, QueueMigrationResultDto } from '@/lib/domain/migrations/dto';
import { apiFetch } from './api-fetch';
import { hostQueries } from './host-queries';
import { POLL } from './poll';
import { taskQueries } from './task-queries';
import { vmQueries } from './vm-queries';
import type { TaskAccepted } from './vm-mutations';

export type MigrationListFilters = { vmId?: string };

const LIVE_PROGRESS_MS = 500;

export const migrationQueries = {
  all: () => ['migrations'] as const,
  list: (filters: MigrationListFilters = {}) =>
    queryOptions({
      queryKey: [...migrationQueries.all(), 'list', filters] as const,
      queryFn: ({ signal }) => apiFetch<MigrationDto[]>('/api/migrations', { signal, query: filters }),
      // Live progress comes from this list: while something moves, poll as often as the worker
      // relays the agent's progress (every 500 ms), or a few-second migration shows no progress at all.
      refetchInterval: (q) => (q.state.data?.some((m) => m.state === 'running') ? LIVE_PROGRESS_MS : POLL.idleTasks),
      placeholderData: keepPreviousData,
    }),
  estimate: (vmId: string, targetHostId: string) =>
    queryOptions({
      queryKey: [...migrationQueries.all(), 'estimate', vmId, targetHostId] as const,
      queryFn: ({ signal }) =>
        apiFetch<MigrationEstimateDto>(`/api/vms/${encodeURIComponent(vmId)}/migration-estimate`, {
          signal,
          query: { targetHostId },
        }),
      // The dirty rate is measured on each call; re-measure while the dialog stays open.
      refetchInterval: 15_000,
      placeholderData: keepPreviousData,
      retry: false,
    }),
};

/** Moves, hosts and VMs change together: refresh all three. */
export function invalidateMigrationState(qc: QueryClient) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: migrationQueries.all() }),
    qc.invalidateQueries({ queryKey: vmQueries.all() }),
    qc.invalidateQueries({ queryKey: hostQueries.all() }),
    qc.invalidateQueries({ queryKey: taskQueries.all() }),
  ]);
}

export function useStartMigration(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the migration' },
    mutationFn: (targetHostId: string) =>
      apiFetch<QueueMigrationResultDto>(`/api/vms/${encodeURIComponent(vmId)}/migrate`, {
        method: 'POST',
        json: { targetHostId },
      }),
    onSuccess: () => invalidateMigrationState(qc),
  });
}

export function useCancelMigration() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not cancel the migration' },
    mutationFn: (migrationId: string) =>
      apiFetch<unknown>(`/api/migrations/${encodeURIComponent(migrationId)}/cancel`, { method: 'POST' }),
    onSuccess: () => invalidateMigrationState(qc),
  });
}

export type MaintenanceChange = { enabled: boolean; bringBack?: boolean };

export function useSetMaintenance(hostId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not change maintenance mode' },
    mutationFn: (change: MaintenanceChange) =>
      apiFetch<TaskAccepted>(`/api/hosts/${encodeURIComponent(hostId)}/maintenance`, { method: 'POST', json: change }),
    onSuccess: () => invalidateMigrationState(qc),
  });
}
