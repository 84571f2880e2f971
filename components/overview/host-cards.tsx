'use client';
import { useQuery } from '@tanstack/react-query';
import { HostCard } from '@/components/hosts/host-card';
import { EmptyState } from '@/components/ui/empty-state';
import { HostIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { hostQueries } from '@/lib/queries/host-queries';

export function HostCards() {
  const query = useQuery(hostQueries.list());
  return (
    <section aria-label="Hosts">
      <h2 className="mb-2 text-sm font-semibold text-slate-900">Hosts</h2>
      <QueryState
        query={query}
        what="hosts"
        skeleton={
          <div className="grid grid-cols-2 gap-4">
            <Skeleton className="h-40" />
            <Skeleton className="h-40" />
          </div>
        }
      >
        {(hosts) =>
          hosts.length === 0 ? (
            <div className="rounded-lg border border-dashed border-slate-300 bg-white">
              <EmptyState
                icon={<HostIcon />}
                title="No hosts yet"
                description="Start an agent on a machine with QEMU and enroll it; it shows up here after its first heartbeat."
              />
            </div>
          ) : (
            <div className="grid grid-cols-2 gap-4">
              {[...hosts]
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((h) => (
                  <HostCard key={h.id} host={h} />
                ))}
            </div>
          )
        }
      </QueryState>
    </section>
  );
}
