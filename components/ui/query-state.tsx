'use client';
import type { ReactNode } from 'react';
import { cx } from '@/lib/cx';
import { Button } from './button';
import { AlertIcon, RefreshIcon } from './icons';

export function QueryError({
  error,
  onRetry,
  className,
  what = 'data',
}: {
  error: unknown;
  onRetry?: () => void;
  className?: string;
  what?: string;
}) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div
      role="alert"
      className={cx(
        'flex items-start gap-3 rounded-md border border-red-200 bg-red-50 px-3 py-2.5 text-sm text-red-800',
        className,
      )}
    >
      <AlertIcon className="mt-0.5 shrink-0" />
      <div className="min-w-0 flex-1">
        <p className="font-medium">Could not load {what}</p>
        <p className="break-words text-red-700">{message}</p>
      </div>
      {onRetry && (
        <Button size="sm" onClick={onRetry} icon={<RefreshIcon />}>
          Retry
        </Button>
      )}
    </div>
  );
}

/** Skeleton while pending, inline error with retry on failure, else the data. */
export function QueryState<T>({
  query,
  skeleton,
  what,
  children,
}: {
  // A plain or an infinite (paged) query's result: only these are read.
  query: { data: T | undefined; isError: boolean; error: unknown; refetch: () => unknown };
  skeleton: ReactNode;
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.isError)
    return <QueryError error={query.error} what={what} onRetry={() => void query.refetch()} className="m-4" />;
  return <>{skeleton}</>;
}
