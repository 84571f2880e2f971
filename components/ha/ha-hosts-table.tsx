'use client';
import { Badge } from '@/components/ui/badge';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { HostIcon } from '@/components/ui/icons';
import type { HaHostDto, HaPolicyDto } from '@/lib/domain/ha/dto';
import { formatMiB, formatRelativeTime } from '@/lib/format';
import { formatSeconds, HaHostStateBadge, HostLink } from './ha-bits';

function LeaseAge({ h }: { h: HaHostDto }) {
  if (h.leaseAgeMs === null) return <span className="text-slate-500">no lease seen</span>;
  // The server judges the lease (its timings are the agents'); the age is coloured by that verdict.
  const tone =
    h.state === 'failed' || h.state === 'fenced'
      ? 'font-semibold text-red-700'
      : h.state === 'suspect'
        ? 'font-semibold text-amber-800'
        : undefined;
  return (
    <span className={tone} data-testid="lease-age">
      {formatSeconds(h.leaseAgeMs)}
    </span>
  );
}

export function HaHostsTable({
  hosts,
  policy,
  inMaintenance,
}: {
  hosts: HaHostDto[];
  policy: HaPolicyDto;
  inMaintenance: ReadonlySet<string>;
}) {
  const columns: Column<HaHostDto>[] = [
    {
      id: 'name',
      header: 'Host',
      sortValue: (h) => h.hostName,
      cell: (h) => (
        <span className="inline-flex items-center gap-2 whitespace-nowrap">
          <HostLink id={h.hostId} name={h.hostName} />
          {h.failoverHost && (
            <Badge tone="accent" title="Kept empty for restarts (dedicated failover host)">
              Failover host
            </Badge>
          )}
          {inMaintenance.has(h.hostId) && (
            <Badge tone="amber" title="Takes no VMs, restarts included">
              Maintenance
            </Badge>
          )}
        </span>
      ),
    },
    {
      id: 'state',
      header: 'HA state',
      sortValue: (h) => h.state,
      cell: (h) => (
        <div className="min-w-0">
          <div className="flex items-center gap-2">
            <HaHostStateBadge state={h.state} />
            <span className="text-xs text-slate-500">{formatRelativeTime(h.since)}</span>
          </div>
          {h.reason && (
            <p className="mt-0.5 max-w-md text-xs text-slate-600" data-testid="ha-host-reason">
              {h.reason}
            </p>
          )}
        </div>
      ),
    },
    {
      id: 'lease',
      header: 'Lease age',
      align: 'right',
      sortValue: (h) => h.leaseAgeMs,
      cell: (h) => <LeaseAge h={h} />,
    },
    {
      id: 'generation',
      header: 'Generation',
      align: 'right',
      sortValue: (h) => h.leaseGeneration,
      cell: (h) => h.leaseGeneration ?? '—',
    },
    {
      id: 'observer',
      header: 'Seen by',
      sortValue: (h) => h.observedBy,
      cell: (h) => h.observedBy ?? <span className="text-slate-500">—</span>,
    },
    {
      id: 'edac',
      header: 'Memory errors',
      align: 'right',
      sortValue: (h) => h.correctedErrors,
      cell: (h) =>
        h.correctedErrors === null ? (
          <span className="text-slate-500" title="No EDAC counters on this host">
            n/a
          </span>
        ) : (
          <span
            className={h.correctedErrors >= policy.edacThreshold ? 'font-semibold text-amber-800' : undefined}
            title={`Corrected since the baseline; degraded at ${policy.edacThreshold}`}
          >
            {h.correctedErrors}
          </span>
        ),
    },
    {
      id: 'protected',
      header: 'HA VMs',
      align: 'right',
      sortValue: (h) => h.protectedVmCount,
      cell: (h) => h.protectedVmCount,
    },
    {
      id: 'memory',
      header: 'Memory used',
      align: 'right',
      className: 'whitespace-nowrap',
      sortValue: (h) => h.memoryUsedMiB,
      cell: (h) => `${formatMiB(h.memoryUsedMiB)} / ${formatMiB(h.memoryTotalMiB)}`,
    },
  ];
  return (
    <DataTable
      label="HA hosts"
      rows={hosts}
      columns={columns}
      rowKey={(h) => h.hostId}
      initialSort={{ id: 'name', desc: false }}
      empty={<EmptyState icon={<HostIcon />} title="No hosts" description="Enroll hosts to protect their VMs." />}
    />
  );
}
