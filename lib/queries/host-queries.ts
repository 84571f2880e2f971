import { queryOptions } from '@tanstack/react-query';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

export const hostQueries = {
  all: () => ['hosts'] as const,
  list: () =>
    queryOptions({
      queryKey: [...hostQueries.all(), 'list'] as const,
      queryFn: ({ signal }) => apiFetch<HostDto[]>('/api/hosts', { signal }),
      refetchInterval: POLL.hosts,
    }),
  detail: (hostId: string) =>
    queryOptions({
      queryKey: [...hostQueries.all(), 'detail', hostId] as const,
      queryFn: ({ signal }) => apiFetch<HostDto>(`/api/hosts/${encodeURIComponent(hostId)}`, { signal }),
      refetchInterval: POLL.hosts,
    }),
};
