'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { haQueries } from '@/lib/queries/ha';
import { formatRelativeTime } from '@/lib/format';
import { formatSeconds, HaHostStateBadge } from './ha-bits';

/** One line on the host page: its HA state with the reason, and its lease as its peers see it. */
export function HostHaLine({ hostId }: { hostId: string }) {
  const { data } = useQuery(haQueries.overview());
  const h = data?.hosts.find((x) => x.hostId === hostId);
  if (!h) return null;
  return (
    <div
      className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border border-slate-200 bg-white px-3 py-2 text-sm shadow-xs"
      data-testid="host-ha"
    >
      <span className="text-xs font-medium text-slate-500">HA</span>
      <HaHostStateBadge state={h.state} />
      {h.failoverHost && <Badge tone="accent">Failover host</Badge>}
      <span className="text-slate-700">{h.reason}</span>
      <span className="text-xs text-slate-500">since {formatRelativeTime(h.since)}</span>
      <span className="ml-auto text-xs text-slate-600 tabular-nums">
        {h.leaseAgeMs === null ? (
          'No lease seen yet'
        ) : (
          <>
            Lease age{' '}
            <span className="font-semibold text-slate-900" data-testid="host-lease-age">
              {formatSeconds(h.leaseAgeMs)}
            </span>{' '}
            · generation {h.leaseGeneration ?? '—'}
            {h.observedBy && ` · seen by ${h.observedBy}`}
          </>
        )}
        {' · '}
        <Link href="/ha" className="font-medium text-accent-700 hover:underline">
          HA page
        </Link>
      </span>
    </div>
  );
}
