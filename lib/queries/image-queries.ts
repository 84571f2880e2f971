import { queryOptions } from '@tanstack/react-query';
import type { HostImportLocationsDto, ImageDto } from '@/lib/domain/images/dto';
import { apiFetch } from './api-fetch';
import { POLL } from './poll';

export const imageQueries = {
  all: () => ['images'] as const,
  list: () =>
    queryOptions({
      queryKey: [...imageQueries.all(), 'list'] as const,
      queryFn: ({ signal }) => apiFetch<ImageDto[]>('/api/images', { signal }),
      // Poll quickly only while an import is under way.
      refetchInterval: (q) => (q.state.data?.some((i) => i.status === 'importing') ? POLL.activeTasks : false),
    }),
  // Asked when the import dialog opens; agents' configuration changes only with a restart.
  importLocations: () =>
    queryOptions({
      queryKey: [...imageQueries.all(), 'import-locations'] as const,
      queryFn: ({ signal }) => apiFetch<HostImportLocationsDto[]>('/api/images/import-locations', { signal }),
      staleTime: 60_000,
    }),
};
