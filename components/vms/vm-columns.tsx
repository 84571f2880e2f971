import Link from 'next/link';
import { VmDrLabel } from '@/components/dr/vm-dr-label';
import { StateBadge } from '@/components/ui/badge';
import type { GridColumn } from '@/components/ui/virtual-grid';
import type { VmDto } from '@/lib/domain/vms/dto';
import type { VmSort } from '@/lib/domain/vms/schemas';
import { formatDateTime, formatMiB, formatPercent, formatRelativeTime } from '@/lib/format';
import { VmTags } from './vm-tags';

export type VmColumn = GridColumn<VmDto, VmSort>;

const none = <span className="text-slate-400">—</span>;

/** The VM list's columns; the host's is left out on a host's own page. */
export function vmColumns(showHost: boolean): VmColumn[] {
  const all: (VmColumn | false)[] = [
    {
      id: 'name',
      header: 'Name',
      sort: 'name',
      className: 'max-w-56',
      cell: (v) => (
        <>
          <Link href={`/vms/${v.id}`} className="block truncate font-medium text-slate-900 hover:text-accent-700">
            {v.name}
          </Link>
          <VmDrLabel vm={v} line />
        </>
      ),
    },
    {
      id: 'state',
      header: 'State',
      sort: 'state',
      cell: (v) => <StateBadge state={v.state} title={v.lastError ?? v.guestWarning ?? undefined} />,
    },
    showHost && {
      id: 'host',
      header: 'Host',
      cell: (v) => (
        <Link href={`/hosts/${v.hostId}`} className="hover:text-accent-700 hover:underline">
          {v.hostName}
        </Link>
      ),
    },
    { id: 'image', header: 'Image', className: 'max-w-40 truncate', cell: (v) => v.imageLabel ?? none },
    { id: 'vcpus', header: 'vCPUs', sort: 'vcpus', align: 'right', cell: (v) => v.vcpus },
    { id: 'memory', header: 'Memory', sort: 'memory', align: 'right', cell: (v) => formatMiB(v.memoryMiB) },
    {
      id: 'cpu',
      header: 'CPU',
      align: 'right',
      cell: (v) => (v.state === 'running' ? formatPercent(v.cpuPct) : none),
    },
    { id: 'tags', header: 'Tags', className: 'max-w-44', cell: (v) => <VmTags tags={v.tags} max={3} /> },
    {
      id: 'created',
      header: 'Created',
      sort: 'created',
      align: 'right',
      cell: (v) => <span title={formatDateTime(v.createdAt)}>{formatRelativeTime(v.createdAt)}</span>,
    },
  ];
  return all.filter((c): c is VmColumn => Boolean(c));
}
