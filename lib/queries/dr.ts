'use client';
import { queryOptions, useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { DrJobDetailDto, DrJobDto, DrOverviewDto, DrTaskAcceptedDto, FailoverPlanDto } from '@/lib/domain/dr/dto';
import type {
  CreateFailoverPlan,
  CreateReplicationJob,
  DrFailback,
  DrFailover,
  DrTestFailover,
  RunFailoverPlan,
  UpdateReplicationJob,
} from '@/lib/domain/dr/schemas';
import { apiFetch } from './api-fetch';
import { hostQueries } from './host-queries';
import { POLL } from './poll';
import { taskQueries } from './task-queries';
import { vmQueries } from './vm-queries';

// Runs come every 15 s at the shortest: a 2 s poll shows each new point and the RPO ticking.
const DR_POLL_MS = 2_000;

const jobPath = (jobId: string) => `/api/dr/jobs/${encodeURIComponent(jobId)}`;

export const drQueries = {
  all: () => ['dr'] as const,
  overview: () =>
    queryOptions({
      queryKey: [...drQueries.all(), 'overview'] as const,
      queryFn: ({ signal }) => apiFetch<DrOverviewDto>('/api/dr/overview', { signal }),
      refetchInterval: DR_POLL_MS,
    }),
  // The job of a VM as the protected VM, its replica or a test copy (the VM page's card).
  forVm: (vmId: string) =>
    queryOptions({
      queryKey: [...drQueries.all(), 'vm', vmId] as const,
      queryFn: ({ signal }) => apiFetch<DrJobDto[]>('/api/dr/jobs', { signal, query: { vmId } }),
      refetchInterval: POLL.live,
    }),
  job: (jobId: string) =>
    queryOptions({
      queryKey: [...drQueries.all(), 'job', jobId] as const,
      queryFn: ({ signal }) => apiFetch<DrJobDetailDto>(jobPath(jobId), { signal }),
      refetchInterval: DR_POLL_MS,
    }),
};

// A DR task moves VMs between roles and hosts (replica promoted, test copy created): DR, VMs,
// hosts and tasks all change.
export function invalidateDrState(qc: QueryClient) {
  return Promise.all([
    qc.invalidateQueries({ queryKey: drQueries.all() }),
    qc.invalidateQueries({ queryKey: vmQueries.all() }),
    qc.invalidateQueries({ queryKey: hostQueries.all() }),
    qc.invalidateQueries({ queryKey: taskQueries.all() }),
  ]);
}

export function useCreateDrJob() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not protect the VM' },
    mutationFn: (input: CreateReplicationJob) => apiFetch<DrJobDto>('/api/dr/jobs', { method: 'POST', json: input }),
    onSuccess: () => invalidateDrState(qc),
  });
}

export function useUpdateDrJob(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not change the replication job' },
    mutationFn: (input: UpdateReplicationJob) => apiFetch<DrJobDto>(jobPath(jobId), { method: 'PATCH', json: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: drQueries.all() }),
  });
}

export function useDeleteDrJob(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not remove the replication job' },
    mutationFn: () => apiFetch<unknown>(jobPath(jobId), { method: 'DELETE' }),
    onSuccess: () => invalidateDrState(qc),
  });
}

export function useRunDrJob(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the replication run' },
    mutationFn: () => apiFetch<DrTaskAcceptedDto>(`${jobPath(jobId)}/run`, { method: 'POST' }),
    onSuccess: () => invalidateDrState(qc),
  });
}

export function useDrFailover(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the failover' },
    mutationFn: (input: DrFailover) =>
      apiFetch<DrTaskAcceptedDto>(`${jobPath(jobId)}/failover`, { method: 'POST', json: input }),
    onSuccess: () => invalidateDrState(qc),
  });
}

export function useTestFailover(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not start the test failover' },
    mutationFn: (input: DrTestFailover) =>
      apiFetch<DrTaskAcceptedDto>(`${jobPath(jobId)}/test-failover`, { method: 'POST', json: input }),
    onSuccess: () => invalidateDrState(qc),
  });
}

export function useDrFailback(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not change the failback' },
    mutationFn: (input: DrFailback) =>
      apiFetch<DrTaskAcceptedDto>(`${jobPath(jobId)}/failback`, { method: 'POST', json: input }),
    onSuccess: () => invalidateDrState(qc),
  });
}

const planPath = (planId: string) => `/api/dr/plans/${encodeURIComponent(planId)}`;

export const drPlanQueries = {
  list: () =>
    queryOptions({
      queryKey: [...drQueries.all(), 'plans'] as const,
      queryFn: ({ signal }) => apiFetch<FailoverPlanDto[]>('/api/dr/plans', { signal }),
      refetchInterval: DR_POLL_MS,
    }),
};

export function useSaveFailoverPlan(planId: string | null) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: planId ? 'Could not save the failover plan' : 'Could not create the failover plan' },
    mutationFn: (input: CreateFailoverPlan) =>
      planId
        ? apiFetch<FailoverPlanDto>(planPath(planId), { method: 'PATCH', json: input })
        : apiFetch<FailoverPlanDto>('/api/dr/plans', { method: 'POST', json: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: drQueries.all() }),
  });
}

export function useDeleteFailoverPlan(planId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not delete the failover plan' },
    mutationFn: () => apiFetch<unknown>(planPath(planId), { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: drQueries.all() }),
  });
}

export function useRunFailoverPlan(planId: string) {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not run the failover plan' },
    mutationFn: (input: RunFailoverPlan) =>
      apiFetch<DrTaskAcceptedDto>(`${planPath(planId)}/run`, { method: 'POST', json: input }),
    onSuccess: () => invalidateDrState(qc),
  });
}
