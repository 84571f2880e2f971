import Link from 'next/link';
import { HaHostStateBadge } from '@/components/ha/ha-bits';
import { StateBadge } from '@/components/ui/badge';
import { ProgressBar, usageTone } from '@/components/ui/progress-bar';
import type { GridColumn } from '@/components/ui/virtual-grid';
import type { HostDto } from '@/lib/domain/hosts/dto';
import type { HostSort } from '@/lib/domain/hosts/schemas';
import { formatBytes, formatDateTime, formatPercent, formatRelativeTime } from '@/lib/format';
import { AcceleratorBadge, DriverBadge, SiteBadge } from './host-labels';
import { MaintenanceBadge } from './maintenance-badge';

/** The host list's columns; `now` for the heartbeat's age. */
export function hostColumns(now: number): GridColumn<HostDto, HostSort>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      sort: 'name',
      className: 'whitespace-nowrap',
      cell: (h) => (
        <Link href={`/hosts/${h.id}`} className="font-medium text-slate-900 hover:text-accent-700">
          {h.name}
        </Link>
      ),
    },
    {
      id: 'status',
      header: 'Status',
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
      sort: 'cpu',
      align: 'right',
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
      sort: 'memory',
      align: 'right',
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
      className: 'whitespace-nowrap',
      align: 'right',
      cell: (h) => (
        <span>
          {h.runningVmCount} <span className="text-slate-500">/ {h.vmCount}</span>
        </span>
      ),
    },
    {
      id: 'agent',
      header: 'Agent',
      cell: (h) => <span className="font-mono text-xs">{h.agentVersion}</span>,
    },
    {
      id: 'heartbeat',
      header: 'Last heartbeat',
      align: 'right',
      cell: (h) => (
        <span title={formatDateTime(h.lastHeartbeat)}>
          {h.lastHeartbeat ? formatRelativeTime(h.lastHeartbeat, now) : 'never'}
        </span>
      ),
    },
  ];
}
