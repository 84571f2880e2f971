'use client';
import Link from 'next/link';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { ProtectionStatus, VmProtectionDto } from '@/lib/domain/backups/dto';
import { formatDateTime, formatDuration } from '@/lib/format';
import { ProtectionBadge } from './backup-bits';

const ORDER: Record<ProtectionStatus, number> = { failed: 0, late: 1, unprotected: 2, protected: 3 };

const COLUMNS: Column<VmProtectionDto>[] = [
  {
    id: 'vm',
    header: 'VM',
    sortValue: (p) => p.vmName,
    cell: (p) => (
      <Link href={`/vms/${p.vmId}`} className="font-medium text-slate-900 hover:text-accent-700 hover:underline">
        {p.vmName}
      </Link>
    ),
  },
  {
    id: 'status',
    header: 'Protection',
    sortValue: (p) => ORDER[p.status],
    cell: (p) => <ProtectionBadge status={p.status} />,
  },
  {
    id: 'age',
    header: 'Last good point',
    align: 'right',
    sortValue: (p) => p.lastPointAgeSec ?? Infinity,
    cell: (p) =>
      p.lastPointAt ? (
        <span title={formatDateTime(p.lastPointAt)}>{formatDuration((p.lastPointAgeSec ?? 0) * 1000)} ago</span>
      ) : (
        <span className="text-slate-500">none</span>
      ),
  },
  {
    id: 'reason',
    header: 'Why',
    className: 'max-w-96',
    cell: (p) => (
      <span className="line-clamp-2 text-xs text-slate-600" title={p.lastRunError ?? p.reason}>
        {p.reason}
      </span>
    ),
  },
  {
    id: 'jobs',
    header: 'Jobs',
    cell: (p) =>
      p.jobs.length ? (
        <span className="text-xs">{p.jobs.map((j) => `${j.name}${j.enabled ? '' : ' (disabled)'}`).join(', ')}</span>
      ) : (
        <span className="text-xs text-slate-500">no job covers it</span>
      ),
  },
];

export function ProtectionTable({ rows }: { rows: VmProtectionDto[] }) {
  return (
    <DataTable
      label="VM protection"
      rows={rows}
      columns={COLUMNS}
      rowKey={(p) => p.vmId}
      dense
      initialSort={{ id: 'status', desc: false }}
      searchText={(p) => `${p.vmName} ${p.status} ${p.jobs.map((j) => j.name).join(' ')}`}
      searchPlaceholder="Filter VMs…"
      empty={<p className="px-4 py-8 text-center text-sm text-slate-500">No VMs yet.</p>}
    />
  );
}
