'use client';
import { Button } from './button';

// Below a paged list: the next (older) page, while the server has one.
export function LoadOlder({
  query,
  what,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  what: string;
}) {
  if (!query.hasNextPage) return null;
  return (
    <div className="flex justify-center border-t border-slate-100 p-3">
      <Button size="sm" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
        {query.isFetchingNextPage ? 'Loading…' : `Load older ${what}`}
      </Button>
    </div>
  );
}
