'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { MigrationDto } from '@/lib/domain/migrations/dto';
import { invalidateMigrationState, migrationQueries } from '@/lib/queries/migrations';
import { MigrationProgress } from './migration-progress';
import { MigrationsTable } from './migrations-table';

/** Refreshes VMs and hosts when a migration in `list` ends, so the new host shows at once. */
export function useRefreshWhenMigrationsEnd(list: MigrationDto[] | undefined) {
  const qc = useQueryClient();
  const running = useRef<Set<string>>(new Set());
  useEffect(() => {
    if (!list) return;
    const now = new Set(list.filter((m) => m.state === 'running').map((m) => m.id));
    const ended = [...running.current].some((id) => !now.has(id));
    running.current = now;
    if (ended) void invalidateMigrationState(qc);
  }, [list, qc]);
}

/** The VM page's migrations: a live card for a move under way, then the history. */
export function VmMigrations({ vmId }: { vmId: string }) {
  const query = useQuery(migrationQueries.list({ vmId }));
  useRefreshWhenMigrationsEnd(query.data);
  const live = query.data?.filter((m) => m.state === 'running') ?? [];
  return (
    <section aria-label="Migrations" className="space-y-2">
      <h2 className="text-sm font-semibold text-slate-900">Migrations</h2>
      {live.map((m) => (
        <MigrationProgress key={m.id} m={m} />
      ))}
      <QueryState query={query} what="migrations" skeleton={<SkeletonRows rows={2} />}>
        {(migrations) => (
          <MigrationsTable
            migrations={migrations}
            variant="vm"
            empty={{
              title: 'Never migrated',
              description: 'Live migrations of this VM, whatever started them, are listed here.',
            }}
          />
        )}
      </QueryState>
    </section>
  );
}
