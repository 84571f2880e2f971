import { infiniteQueryOptions, keepPreviousData, type QueryKey } from '@tanstack/react-query';
import type { Page } from '@/lib/http/pagination';
import { apiFetchPage } from './api-fetch';

const COMPLETE_PAGE = 500; // the server's largest page

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

// Every row the query matches, page after page: only for sets bounded by what the filters name
// (the VMs of one failed host, the points of one VM), never a whole fleet's.
export async function allPages<T>(
  path: string,
  query: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await apiFetchPage<T>(path, {
      signal,
      query: { ...query, limit: String(COMPLETE_PAGE), cursor: cursor ?? undefined },
    });
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}
