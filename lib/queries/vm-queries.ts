import { queryOptions } from '@tanstack/react-query';
import type { VmDto } from '@/lib/domain/vms/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

export type VmListFilters = { hostId?: string };

export const vmQueries = {
  all: () => ['vms'] as const,
  lists: () => [...vmQueries.all(), 'list'] as const,
  list: (filters: VmListFilters = {}) =>
    queryOptions({
      queryKey: [...vmQueries.lists(), filters] as const,
      queryFn: ({ signal }) => apiFetch<VmDto[]>('/api/vms', { signal, query: filters }),
      refetchInterval: POLL.live,
    }),
  detail: (vmId: string) =>
    queryOptions({
      queryKey: [...vmQueries.all(), 'detail', vmId] as const,
      queryFn: ({ signal }) => apiFetch<VmDto>(`/api/vms/${encodeURIComponent(vmId)}`, { signal }),
      refetchInterval: POLL.live,
    }),
  console: (vmId: string, lines = 200) =>
    queryOptions({
      queryKey: [...vmQueries.all(), 'detail', vmId, 'console', lines] as const,
      queryFn: ({ signal }) =>
        apiFetch<{ lines: string[]; partial: string }>(`/api/vms/${encodeURIComponent(vmId)}/console`, {
          signal,
          query: { lines },
        }),
      refetchInterval: POLL.console,
      retry: false,
    }),
};
