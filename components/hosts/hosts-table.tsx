'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { StateBadge } from '@/components/ui/badge';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { HostIcon } from '@/components/ui/icons';
import { ProgressBar, usageTone } from '@/components/ui/progress-bar';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { formatBytes, formatDateTime, formatPercent, formatRelativeTime } from '@/lib/format';
import { useNow } from '@/lib/hooks/use-now';
import { hostQueries } from '@/lib/queries/host-queries';
import { AddHostButton } from './add-host-button';
import { AcceleratorBadge, DriverBadge, SiteBadge } from './host-labels';
import { hostMemoryRatio } from './host-math';
import { HaHostStateBadge } from '@/components/ha/ha-bits';
import { MaintenanceBadge } from './maintenance-badge';

function columns(now: number): Column<HostDto>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      sortValue: (h) => h.name,
      cell: (h) => (
        <Link href={`/hosts/${h.id}`} className="font-medium text-slate-900 hover:text-accent-700">
          {h.name}
        </Link>
      ),
    },
    {
      id: 'status',
      header: 'Status',
      sortValue: (h) => `${h.status}${h.maintenance ? 'm' : ''}`,
      cell: (h) => (
        <span className="flex gap-1.5" title={h.ha && h.ha.state !== 'online' ? h.ha.reason : undefined}>
          <StateBadge state={h.status} />
          <MaintenanceBadge host={h} />
          {h.ha && h.ha.state !== 'online' && <HaHostStateBadge state={h.ha.state} />}
        </span>
      ),
    },
    {
      id: 'platform',
      header: 'Platform',
      sortValue: (h) => `${h.site}${h.driver}${h.accelerator}`,
      cell: (h) => (
        <span className="flex gap-1.5">
          <AcceleratorBadge host={h} />
          <DriverBadge driver={h.driver} />
          <SiteBadge site={h.site} />
        </span>
      ),
    },
    {
      id: 'cpu',
      header: 'CPU',
      align: 'right',
      sortValue: (h) => h.cpuPct,
      className: 'w-36',
      cell: (h) => (
        <div className="flex items-center justify-end gap-2">
          <ProgressBar
            value={h.cpuPct / 100}
            label={`CPU of ${h.name}`}
            tone={usageTone(h.cpuPct / 100)}
            size="sm"
            className="w-16"
          />
          <span className="w-12">{formatPercent(h.cpuPct)}</span>
        </div>
      ),
    },
    {
      id: 'memory',
      header: 'Memory',
      align: 'right',
      sortValue: hostMemoryRatio,
      className: 'whitespace-nowrap',
      cell: (h) => (
        <span>
          {formatBytes(h.memoryUsedBytes)} <span className="text-slate-500">/ {formatBytes(h.memoryTotalBytes)}</span>
        </span>
      ),
    },
    {
      id: 'vms',
      header: 'VMs',
      align: 'right',
      sortValue: (h) => h.vmCount,
      cell: (h) => (
        <span>
          {h.runningVmCount} <span className="text-slate-500">/ {h.vmCount}</span>
        </span>
      ),
    },
    {
      id: 'agent',
      header: 'Agent',
      sortValue: (h) => h.agentVersion,
      cell: (h) => <span className="font-mono text-xs">{h.agentVersion}</span>,
    },
    {
      id: 'heartbeat',
      header: 'Last heartbeat',
      align: 'right',
      sortValue: (h) => (h.lastHeartbeat ? Date.parse(h.lastHeartbeat) : null),
      cell: (h) => (
        <span title={formatDateTime(h.lastHeartbeat)}>
          {h.lastHeartbeat ? formatRelativeTime(h.lastHeartbeat, now) : 'never'}
        </span>
      ),
    },
  ];
}

export function HostsTable() {
  const query = useQuery(hostQueries.list());
  const now = useNow(5000);
  return (
    <QueryState query={query} what="hosts" skeleton={<SkeletonRows rows={4} />}>
      {(hosts) => (
        <DataTable
          label="Hosts"
          rows={hosts}
          columns={columns(now)}
          rowKey={(h) => h.id}
          rowHref={(h) => `/hosts/${h.id}`}
          searchText={(h) => `${h.name} ${h.status} ${h.cpuModel} ${h.driver} ${h.accelerator}`}
          searchPlaceholder="Filter hosts…"
          initialSort={{ id: 'name', desc: false }}
          empty={
            <EmptyState
              icon={<HostIcon />}
              title="No hosts enrolled yet"
              description="Add a host to get a one-time token and the command to start its agent on a machine with QEMU; it appears here once the agent has enrolled."
              action={<AddHostButton label="Add a host" />}
            />
          }
        />
      )}
    </QueryState>
  );
}
