'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { HostCard } from '@/components/hosts/host-card';
import { EmptyState } from '@/components/ui/empty-state';
import { HostIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { hostQueries } from '@/lib/queries/host-queries';

const CARDS = 12; // the first hosts by name; the hosts page lists them all

export function HostCards() {
  const query = useQuery(hostQueries.first(CARDS));
  const total = useQuery(hostQueries.summary()).data?.hosts ?? 0;
  return (
    <section aria-label="Hosts">
      <div className="mb-2 flex items-baseline justify-between">
        <h2 className="text-sm font-semibold text-slate-900">Hosts</h2>
        {total > CARDS && (
          <Link href="/hosts" className="text-xs font-medium text-accent-700 hover:underline">
            All {total.toLocaleString('en')} hosts →
          </Link>
        )}
      </div>
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
              {hosts.map((h) => (
                <HostCard key={h.id} host={h} />
              ))}
            </div>
          )
        }
      </QueryState>
    </section>
  );
}
