import { infiniteQueryOptions, keepPreviousData, type QueryKey } from '@tanstack/react-query';
import type { Page } from '@/lib/http/pagination';
import { apiFetchPage } from './api-fetch';

// A list endpoint that pages (a Link header names the next, older page): the pages loaded so far,
// flattened; polling refreshes every loaded page.
export function pagedList<T>(opts: {
  queryKey: QueryKey;
  path: string;
  query: Record<string, string | undefined>;
  refetchInterval: (rows: T[]) => number | false;
}) {
  return infiniteQueryOptions({
    queryKey: opts.queryKey,
    queryFn: ({ signal, pageParam }) =>
      apiFetchPage<T>(opts.path, { signal, query: { ...opts.query, cursor: pageParam ?? undefined } }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Page<T>) => last.nextCursor,
    select: (data) => data.pages.flatMap((p) => p.items),
    refetchInterval: (q) => opts.refetchInterval(q.state.data?.pages.flatMap((p) => p.items) ?? []),
    placeholderData: keepPreviousData,
  });
}
