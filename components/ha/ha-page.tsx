'use client';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Badge } from '@/components/ui/badge';
import { QueryError } from '@/components/ui/query-state';
import { PageHeader } from '@/components/ui/page-header';
import { Skeleton } from '@/components/ui/skeleton';
import { hostQueries } from '@/lib/queries/host-queries';
import { haQueries } from '@/lib/queries/ha';
import { vmQueries } from '@/lib/queries/vm-queries';
import { FailoverPanel } from './failover-panel';
import { HaEvents } from './ha-events';
import { HaHostsTable } from './ha-hosts-table';
import { HaPolicyForm } from './ha-policy-form';
import { failoverCandidates } from './ha-rules';
import { ProtectionSummary } from './protection-summary';
import { RestartsPanel } from './restarts-panel';

/** /ha: the operator's view during an outage (live every second): protection, hosts, restarts, events, policy. */
export function HaPage() {
  const overview = useQuery(haQueries.overview());
  const hosts = useQuery(hostQueries.choices());
  const o = overview.data;
  // Only the VMs of failed hosts (all of them: each may need a restart), not the fleet. During an
  // outage VMs change host within seconds: follow them as fast as the overview.
  const failedVms = useQueries({
    queries: (o?.hosts ?? [])
      .filter((h) => h.state === 'failed')
      .map((h) => ({ ...vmQueries.complete({ hostId: h.hostId }), refetchInterval: 2_000 })),
    combine: (results) => results.flatMap((r) => r.data ?? []),
  });
  const inMaintenance = new Set(hosts.data?.filter((h) => h.maintenance).map((h) => h.id));

  return (
    <>
      <PageHeader
        title="High availability"
        meta={
          o && (
            <Badge tone={o.policy.enabled ? 'green' : 'gray'} dot data-testid="ha-enabled">
              {o.policy.enabled ? 'Restarts on' : 'Restarts off'}
            </Badge>
          )
        }
        description="Each host renews a lease on shared storage. A host whose lease stops moving for the lease timeout has fenced itself by then; its HA VMs are restarted elsewhere."
      />
      {overview.isError && !o ? (
        <QueryError error={overview.error} what="the HA state" onRetry={() => void overview.refetch()} />
      ) : !o ? (
        <Skeleton className="h-96" />
      ) : (
        <div className="space-y-5" data-testid="ha-page">
          <ProtectionSummary overview={o} />
          <FailoverPanel
            candidates={failoverCandidates(failedVms, o.hosts, o.restarts, hosts.data)}
            haHosts={o.hosts}
            inMaintenance={inMaintenance}
          />
          <section aria-label="Hosts">
            <h2 className="mb-2 text-sm font-semibold text-slate-900">
              Hosts{' '}
              <span className="font-normal text-slate-500">
                · lease age is how long its counter has not moved, as its peers see it
              </span>
            </h2>
            <HaHostsTable hosts={o.hosts} policy={o.policy} inMaintenance={inMaintenance} />
          </section>
          <RestartsPanel restarts={o.restarts} />
          <div className="grid grid-cols-1 items-start gap-5 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
            <HaEvents events={o.events} />
            <HaPolicyForm key={o.policy.updatedAt ?? 'default'} policy={o.policy} hosts={o.hosts} />
          </div>
        </div>
      )}
    </>
  );
}
