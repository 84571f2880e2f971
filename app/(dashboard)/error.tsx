'use client';
import { useEffect } from 'react';
import { Button, ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { AlertIcon, RefreshIcon } from '@/components/ui/icons';

export default function DashboardError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => console.error(error), [error]);
  const digest = error instanceof Error && 'digest' in error ? String((error as { digest?: string }).digest ?? '') : '';
  return (
    <div className="rounded-lg border border-red-200 bg-white">
      <EmptyState
        icon={<AlertIcon className="text-red-600" />}
        title="This page failed to load"
        description={
          <>
            {error instanceof Error ? error.message : 'An unexpected error occurred.'}
            {digest && <span className="mt-1 block font-mono text-xs text-slate-500">digest {digest}</span>}
          </>
        }
        action={
          <div className="flex gap-2">
            <Button variant="primary" icon={<RefreshIcon />} onClick={() => retry()}>
              Try again
            </Button>
            <ButtonLink href="/">Go to overview</ButtonLink>
          </div>
        }
      />
    </div>
  );
}
