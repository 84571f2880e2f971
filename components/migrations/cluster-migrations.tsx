'use client';
import { useQuery } from '@tanstack/react-query';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { migrationQueries } from '@/lib/queries/migrations';
import { MigrationProgress } from './migration-progress';
import { MigrationsTable } from './migrations-table';
import { useRefreshWhenMigrationsEnd } from './vm-migrations';

/** Every migration in the cluster: live cards for those under way, then the filterable history. */
export function ClusterMigrations() {
  const query = useQuery(migrationQueries.list());
  useRefreshWhenMigrationsEnd(query.data);
  const live = query.data?.filter((m) => m.state === 'running') ?? [];
  return (
    <div className="space-y-4">
      {live.length > 0 && (
        <section aria-label="Migrations under way" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-900">Under way</h2>
          <div className="grid grid-cols-1 gap-3 xl:grid-cols-2">
            {live.map((m) => (
              <MigrationProgress key={m.id} m={m} />
            ))}
          </div>
        </section>
      )}
      <QueryState query={query} what="migrations" skeleton={<SkeletonRows rows={6} />}>
        {(migrations) => (
          <MigrationsTable
            migrations={migrations}
            empty={{
              title: 'No migrations yet',
              description:
                'Migrate a running VM from its page, put a host in maintenance, or let the load balancer move VMs; every move shows here.',
            }}
          />
        )}
      </QueryState>
    </div>
  );
}
