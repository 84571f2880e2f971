'use client';
import { queryOptions, useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { HaOverviewDto, HaPolicyDto, HaRestartDto } from '@/lib/domain/ha/dto';
import type { HaPolicyInput, VmHaInput } from '@/lib/domain/ha/schemas';
import type { VmDto } from '@/lib/domain/vms/dto';
import { apiFetch } from './api-fetch';
import { invalidateMigrationState } from './migrations';
import { vmQueries } from './vm-queries';

// The HA page is the operator's view during an outage: the worker's HA tick runs every second.
const HA_POLL_MS = 1_500;

export type FailoverAccepted = { taskId: string; restartId: string };
export type FailoverRequest = { vmId: string; targetHostId: string };

export const haQueries = {
  all: () => ['ha'] as const,
  overview: () =>
    queryOptions({
      queryKey: [...haQueries.all(), 'overview'] as const,
      queryFn: ({ signal }) => apiFetch<HaOverviewDto>('/api/ha', { signal }),
      refetchInterval: HA_POLL_MS,
    }),
};

// A restart moves a VM and starts a task: HA, VMs, hosts and tasks all change.
function invalidateHaState(qc: QueryClient) {
  return Promise.all([qc.invalidateQueries({ queryKey: haQueries.all() }), invalidateMigrationState(qc)]);
}

export function useUpdateHaPolicy() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not save the HA policy' },
    mutationFn: (input: HaPolicyInput) => apiFetch<HaPolicyDto>('/api/ha/policy', { method: 'PUT', json: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: haQueries.all() }),
  });
}

export function useSetVmHa(vmId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not change the VM’s HA settings' },
    mutationFn: (input: VmHaInput) =>
      apiFetch<VmDto>(`/api/vms/${encodeURIComponent(vmId)}/ha`, { method: 'PATCH', json: input }),
    onSuccess: (vm) => {
      qc.setQueryData(vmQueries.detail(vmId).queryKey, vm);
      return Promise.all([
        qc.invalidateQueries({ queryKey: haQueries.all() }),
        qc.invalidateQueries({ queryKey: vmQueries.lists() }),
      ]);
    },
  });
}

export function useFailover() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not restart the VM on another host' },
    mutationFn: ({ vmId, targetHostId }: FailoverRequest) =>
      apiFetch<FailoverAccepted>(`/api/vms/${encodeURIComponent(vmId)}/failover`, {
        method: 'POST',
        json: { targetHostId },
      }),
    onSuccess: () => invalidateHaState(qc),
  });
}

export function useCancelRestart() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not cancel the restart' },
    mutationFn: (restartId: string) =>
      apiFetch<HaRestartDto>(`/api/ha/restarts/${encodeURIComponent(restartId)}/cancel`, { method: 'POST' }),
    onSuccess: () => invalidateHaState(qc),
  });
}
