import Link from 'next/link';
import type { GridColumn } from '@/components/ui/virtual-grid';
import type { RestorePointDto } from '@/lib/domain/backups/dto';
import type { RestorePointSort } from '@/lib/domain/backups/schemas';
import { formatBytes, formatDateTime, formatDuration, formatRelativeTime } from '@/lib/format';
import { KindBadge, VerifyBadge } from './restore-points-table';

const none = <span className="text-slate-400">—</span>;

/** The restore points list's columns (the VM page's own table has no VM column and a Choose button). */
export const RESTORE_POINT_COLUMNS: GridColumn<RestorePointDto, RestorePointSort>[] = [
  {
    id: 'vm',
    header: 'VM',
    sort: 'vm',
    className: 'max-w-56',
    cell: (p) => (
      <Link href={`/vms/${p.vmId}`} className="block truncate font-medium text-slate-900 hover:text-accent-700">
        {p.vmName}
      </Link>
    ),
  },
  {
    id: 'taken',
    header: 'Taken',
    sort: 'taken',
    cell: (p) => (
      <span title={formatRelativeTime(p.takenAt)} className="tabular-nums">
        {formatDateTime(p.takenAt)}
      </span>
    ),
  },
  {
    id: 'kind',
    header: 'Kind',
    cell: (p) => (
      <span title={p.fullReason ?? undefined}>
        <KindBadge kind={p.kind} />
      </span>
    ),
  },
  { id: 'size', header: 'Size', sort: 'size', align: 'right', cell: (p) => formatBytes(p.sizeBytes) },
  { id: 'written', header: 'Written', align: 'right', cell: (p) => formatBytes(p.bytesWritten) },
  { id: 'duration', header: 'Took', align: 'right', cell: (p) => formatDuration(p.durationMs) },
  { id: 'verify', header: 'Verification', cell: (p) => <VerifyBadge point={p} /> },
  { id: 'job', header: 'Job', className: 'max-w-44 truncate', cell: (p) => p.jobName ?? none },
];
