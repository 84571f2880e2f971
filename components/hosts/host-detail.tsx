'use client';
import { useQuery } from '@tanstack/react-query';
import { MetricsPanel, type ChartSpec } from '@/components/charts/metrics-panel';
import { StateBadge } from '@/components/ui/badge';
import { ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { HostIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { CreateVmButton } from '@/components/vms/create-vm-button';
import { VmsTable } from '@/components/vms/vms-table';
import { formatBytes, formatCompact, formatPercent, formatRelativeTime } from '@/lib/format';
import { isApiError } from '@/lib/queries/api-fetch';
import { hostQueries } from '@/lib/queries/host-queries';
import { metricQueries } from '@/lib/queries/metric-queries';
import { HostInfo } from './host-info';
import { DriverBadge } from './host-labels';
import { HostEvacuation } from './host-evacuation';
import { MaintenanceActions } from './maintenance-actions';
import { MaintenanceBadge } from './maintenance-badge';
import { StoragePools } from './storage-pools';
import { HostHaLine } from '@/components/ha/host-ha-line';

const HOST_CHARTS: ChartSpec[] = [
  {
    name: 'host-cpu',
    title: 'CPU',
    unit: 'percent',
    yMax: 100,
    series: [{ key: 'cpuPct', label: 'CPU' }],
    current: (p) => formatPercent(p.cpuPct),
  },
  {
    name: 'host-memory',
    title: 'Memory',
    unit: 'bytes',
    series: [
      { key: 'memUsedBytes', label: 'Used' },
      { key: 'memTotalBytes', label: 'Total', color: '#94a3b8', dashed: true },
    ],
    current: (p) => `${formatBytes(p.memUsedBytes)} of ${formatBytes(p.memTotalBytes)}`,
  },
  {
    name: 'host-load',
    title: 'Load average (1 min)',
    unit: 'number',
    kind: 'line',
    series: [{ key: 'load1', label: 'Load 1m' }],
    current: (p) => formatCompact(p.load1),
  },
];

export function HostDetail({ hostId }: { hostId: string }) {
  const query = useQuery(hostQueries.detail(hostId));
  const host = query.data;

  if (!host) {
    if (isApiError(query.error, 404)) {
      return (
        <EmptyState
          icon={<HostIcon />}
          title={`No host "${hostId}"`}
          action={
            <ButtonLink href="/hosts" variant="primary">
              Back to hosts
            </ButtonLink>
          }
        />
      );
    }
    if (query.isError) return <QueryError error={query.error} what="the host" onRetry={() => void query.refetch()} />;
    return <Skeleton className="h-48" />;
  }

  return (
    <>
      <PageHeader
        title={host.name}
        meta={
          <>
            <StateBadge state={host.status} />
            <MaintenanceBadge host={host} />
            <DriverBadge driver={host.driver} />
          </>
        }
        description={
          <span>
            Last heartbeat {host.lastHeartbeat ? formatRelativeTime(host.lastHeartbeat) : 'never'} ·{' '}
            <span className="font-mono text-xs">{host.agentUrl}</span>
          </span>
        }
        actions={
          <>
            <MaintenanceActions host={host} />
            <CreateVmButton hostId={host.id} />
          </>
        }
      />
      <div className="space-y-5">
        <HostHaLine hostId={host.id} />
        <HostEvacuation host={host} />
        <HostInfo host={host} />
        <MetricsPanel title="Load" query={(r) => metricQueries.host(hostId, r)} charts={HOST_CHARTS} />
        <section aria-label="Virtual machines on this host">
          <h2 className="mb-2 text-sm font-semibold text-slate-900">
            Virtual machines{' '}
            <span className="font-normal text-slate-500 tabular-nums">
              · {host.runningVmCount} of {host.vmCount} running
            </span>
          </h2>
          <VmsTable hostId={host.id} />
        </section>
        <StoragePools pools={host.pools} />
      </div>
    </>
  );
}
