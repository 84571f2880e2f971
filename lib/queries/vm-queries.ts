import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { VmDto, VmState } from '@/lib/domain/vms/dto';
import type { VmSort } from '@/lib/domain/vms/schemas';
import { apiFetch, apiFetchPage } from './api-fetch';
import { allPages, pagedList } from './paged';
import { POLL } from './poll';

// GET /api/vms's filters (lib/domain/vms/schemas.ts); ids and tags travel comma-separated.
export type VmListFilters = {
  q?: string;
  state?: VmState;
  hostId?: string;
  site?: string;
  ids?: readonly string[];
  tags?: readonly string[];
};
export type VmListOrder = { sort?: VmSort; order?: 'asc' | 'desc' };
type PageQuery = VmListFilters & VmListOrder & { limit?: number };

// The server's most ids in one request (and a URL well under any header limit).
export const VM_IDS_PER_REQUEST = 100;
const POLLED_ROWS = 500;

export function vmListQuery(f: PageQuery): Record<string, string | undefined> {
  return {
    q: f.q?.trim() || undefined,
    state: f.state,
    hostId: f.hostId,
    site: f.site,
    ids: f.ids?.length ? f.ids.join(',') : undefined,
    tags: f.tags?.length ? f.tags.join(',') : undefined,
    sort: f.sort,
    order: f.order,
    limit: f.limit === undefined ? undefined : String(f.limit),
  };
}

// Every key is under lists(), so a change (live updates, a mutation) refreshes them all.
export const vmQueries = {
  all: () => ['vms'] as const,
  lists: () => [...vmQueries.all(), 'list'] as const,
  // The VM list page: a page at a time as it scrolls.
  paged: (filters: VmListFilters & VmListOrder = {}) =>
    pagedList<VmDto>({
      queryKey: [...vmQueries.lists(), 'paged', filters],
      path: '/api/vms',
      query: vmListQuery(filters),
      // Each poll refetches every loaded page: deep in a long list only the change feed
      // (live-updates.ts) refreshes it.
      refetchInterval: (rows) => (rows.length <= POLLED_ROWS ? POLL.live : false),
    }),
  // One page (pickers, VMs named by id): its rows and whether more match.
  page: (filters: PageQuery) =>
    queryOptions({
      queryKey: [...vmQueries.lists(), 'page', filters] as const,
      queryFn: ({ signal }) => apiFetchPage<VmDto>('/api/vms', { signal, query: vmListQuery(filters) }),
      refetchInterval: POLL.live,
      placeholderData: keepPreviousData,
    }),
  // Every VM the filters match (lib/queries/paged.ts allPages): only for bounded sets.
  complete: (filters: VmListFilters) =>
    queryOptions({
      queryKey: [...vmQueries.lists(), 'complete', filters] as const,
      queryFn: ({ signal }) => allPages<VmDto>('/api/vms', vmListQuery(filters), signal),
      refetchInterval: POLL.live,
    }),
  count: (filters: VmListFilters = {}) =>
    queryOptions({
      queryKey: [...vmQueries.lists(), 'count', filters] as const,
      queryFn: ({ signal }) => apiFetch<{ count: number }>('/api/vms/count', { signal, query: vmListQuery(filters) }),
      select: (d) => d.count,
      refetchInterval: POLL.live,
      placeholderData: keepPreviousData,
    }),
  tags: () =>
    queryOptions({
      queryKey: [...vmQueries.lists(), 'tags'] as const,
      queryFn: ({ signal }) => apiFetch<{ tag: string; count: number }[]>('/api/vms/tags', { signal }),
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
