'use client';
import { DataTable, type Column } from '@/components/ui/data-table';
import { UsageMeter } from '@/components/hosts/usage-meter';
import type { BackupRepositoryDto } from '@/lib/domain/backups/dto';
import { formatBytes, formatDateTime, formatRelativeTime } from '@/lib/format';
import { RepositoryStatusBadge } from './backup-bits';
import { RepositoryRowActions } from './repository-row-actions';

const COLUMNS: Column<BackupRepositoryDto>[] = [
  {
    id: 'name',
    header: 'Repository',
    sortValue: (r) => r.name,
    cell: (r) => <span className="font-medium whitespace-nowrap text-slate-900">{r.name}</span>,
  },
  {
    id: 'kind',
    header: 'Kind',
    sortValue: (r) => r.kind,
    cell: (r) => (
      <span className="whitespace-nowrap">
        {r.kind === 'shared' ? 'Shared storage' : `Host disk · ${r.hostName ?? r.hostId}`}
      </span>
    ),
  },
  {
    id: 'path',
    header: 'Path',
    className: 'max-w-64',
    cell: (r) => (
      <span className="block font-mono text-xs break-all" title={r.path}>
        {r.path}
      </span>
    ),
  },
  {
    id: 'points',
    header: 'Restore points',
    align: 'right',
    sortValue: (r) => r.pointBytes,
    cell: (r) => (
      <span className="whitespace-nowrap" title={`${formatBytes(r.usedBytes)} used under the directory`}>
        {r.pointCount} · {formatBytes(r.pointBytes)}
      </span>
    ),
  },
  {
    id: 'usage',
    header: 'Filesystem used / size',
    className: 'w-56',
    sortValue: (r) => (r.totalBytes ? 1 - r.freeBytes / r.totalBytes : 0),
    cell: (r) => (
      <UsageMeter label={`${formatBytes(r.freeBytes)} free`} used={r.totalBytes - r.freeBytes} total={r.totalBytes} />
    ),
  },
  {
    id: 'status',
    header: 'Status',
    sortValue: (r) => r.status,
    cell: (r) => (
      <div className="max-w-56 text-xs">
        <RepositoryStatusBadge
          status={r.status}
          title={r.checkedAt ? `Checked ${formatDateTime(r.checkedAt)}` : undefined}
        />
        {r.lastError ? (
          <p className="mt-0.5 line-clamp-2 text-red-700" title={r.lastError}>
            {r.lastError}
          </p>
        ) : (
          r.checkedAt && <p className="mt-0.5 text-slate-500">checked {formatRelativeTime(r.checkedAt)}</p>
        )}
      </div>
    ),
  },
  { id: 'jobs', header: 'Jobs', align: 'right', sortValue: (r) => r.jobCount, cell: (r) => r.jobCount },
  {
    id: 'actions',
    header: <span className="sr-only">Actions</span>,
    cell: (r) => <RepositoryRowActions repository={r} />,
  },
];

export function RepositoriesTable({ repositories }: { repositories: BackupRepositoryDto[] }) {
  return (
    <DataTable
      label="Backup repositories"
      rows={repositories}
      columns={COLUMNS}
      rowKey={(r) => r.id}
      dense
      empty={null}
    />
  );
}
