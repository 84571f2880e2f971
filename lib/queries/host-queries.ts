import { queryOptions } from '@tanstack/react-query';
import type { HostDto, HostSummaryDto } from '@/lib/domain/hosts/dto';
import type { HostSort } from '@/lib/domain/hosts/schemas';
import { apiFetch } from './api-fetch';
import { allPages, pagedList } from './paged';
import { POLL } from './poll';

const POLLED_ROWS = 500; // deeper in the list, polling would refetch too many pages

// GET /api/hosts's filters and order (lib/domain/hosts/schemas.ts).
export type HostListQuery = {
  q?: string;
  site?: string;
  status?: 'online' | 'offline' | 'maintenance';
  sort: HostSort;
  order: 'asc' | 'desc';
};

export const hostQueries = {
  all: () => ['hosts'] as const,
  // The fleet in a few numbers: what the top bar and the overview poll, whatever the fleet's size.
  summary: () =>
    queryOptions({
      queryKey: [...hostQueries.all(), 'summary'] as const,
      queryFn: ({ signal }) => apiFetch<HostSummaryDto>('/api/hosts/summary', { signal }),
      refetchInterval: POLL.hosts,
    }),
  // The hosts page: filtered, sorted and paged by the server, loaded as the list is scrolled.
  paged: (f: HostListQuery) =>
    pagedList<HostDto>({
      queryKey: [...hostQueries.all(), 'paged', f],
      path: '/api/hosts',
      query: { ...f, q: f.q || undefined },
      refetchInterval: (rows) => (rows.length <= POLLED_ROWS ? POLL.hosts : false),
    }),
  // The first hosts by name (the overview's cards).
  first: (limit: number) =>
    queryOptions({
      queryKey: [...hostQueries.all(), 'first', limit] as const,
      queryFn: ({ signal }) => apiFetch<HostDto[]>('/api/hosts', { signal, query: { limit: String(limit) } }),
      refetchInterval: POLL.hosts,
    }),
  // Every host, page after page: for pickers and filters that offer any host (placement targets,
  // rules, HA). Polled while a picker is open; a list that only names hosts turns polling off.
  choices: () =>
    queryOptions({
      queryKey: [...hostQueries.all(), 'choices'] as const,
      queryFn: ({ signal }) => allPages<HostDto>('/api/hosts', {}, signal),
      refetchInterval: POLL.hosts,
    }),
  detail: (hostId: string) =>
    queryOptions({
      queryKey: [...hostQueries.all(), 'detail', hostId] as const,
      queryFn: ({ signal }) => apiFetch<HostDto>(`/api/hosts/${encodeURIComponent(hostId)}`, { signal }),
      refetchInterval: POLL.hosts,
    }),
};
