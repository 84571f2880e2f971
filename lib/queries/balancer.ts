'use client';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApplyResultDto, PolicyDto, RunDto, RunListDto } from '@/lib/domain/balancer/dto';
import type { BalancerPolicyInput } from '@/lib/domain/balancer/schemas';
import type { QueueMigrationResultDto } from '@/lib/domain/migrations/dto';
import { apiFetch } from './api-fetch';
import { invalidateMigrationState } from './migrations';
import { POLL } from './poll';

export const balancerQueries = {
  all: () => ['balancer'] as const,
  policy: () =>
    queryOptions({
      queryKey: [...balancerQueries.all(), 'policy'] as const,
      queryFn: ({ signal }) => apiFetch<PolicyDto>('/api/balancer/policy', { signal }),
    }),
  runs: () =>
    queryOptions({
      queryKey: [...balancerQueries.all(), 'runs'] as const,
      queryFn: ({ signal }) => apiFetch<RunListDto>('/api/balancer/runs', { signal }),
      // Automatic mode adds runs on its own schedule; the moves themselves are followed through migrations.
      refetchInterval: POLL.idleTasks,
    }),
};

export function useSavePolicy() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not save the balancer policy' },
    mutationFn: (input: BalancerPolicyInput) =>
      apiFetch<PolicyDto>('/api/balancer/policy', { method: 'PUT', json: input }),
    onSuccess: (saved) => qc.setQueryData(balancerQueries.policy().queryKey, saved),
  });
}

export function useRunBalancer() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'The balancer run failed' },
    mutationFn: () => apiFetch<RunDto>('/api/balancer/run', { method: 'POST' }),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: balancerQueries.all() }), invalidateMigrationState(qc)]),
  });
}

export function useApplyRecommendation() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not apply the recommendation' },
    mutationFn: (recommendationId: string) =>
      apiFetch<QueueMigrationResultDto>(`/api/balancer/recommendations/${encodeURIComponent(recommendationId)}/apply`, {
        method: 'POST',
      }),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: balancerQueries.all() }), invalidateMigrationState(qc)]),
  });
}

export function useApplyAll() {
  const qc = useQueryClient();
  return useMutation({
    meta: { errorTitle: 'Could not apply the recommendations' },
    mutationFn: () => apiFetch<ApplyResultDto>('/api/balancer/apply-all', { method: 'POST' }),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: balancerQueries.all() }), invalidateMigrationState(qc)]),
  });
}
