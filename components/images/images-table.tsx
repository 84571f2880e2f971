'use client';
import { useQuery } from '@tanstack/react-query';
import { StateBadge } from '@/components/ui/badge';
import { CopyButton } from '@/components/ui/copy-button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { ImageIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { ImageDto } from '@/lib/domain/images/dto';
import { formatBytes, formatDateTime, formatRelativeTime, shortHash } from '@/lib/format';
import { imageQueries } from '@/lib/queries/image-queries';
import { ImportImageButton } from './import-image-button';

const COLUMNS: Column<ImageDto>[] = [
  {
    id: 'name',
    header: 'Name',
    sortValue: (i) => i.name,
    cell: (i) => (
      <span className="font-medium text-slate-900" title={i.description || undefined}>
        {i.name}
      </span>
    ),
  },
  {
    id: 'version',
    header: 'Version',
    sortValue: (i) => i.version,
    cell: (i) => <span className="font-mono text-xs">{i.version}</span>,
  },
  {
    id: 'status',
    header: 'Status',
    sortValue: (i) => i.status,
    cell: (i) => <StateBadge state={i.status} />,
  },
  {
    id: 'boot',
    header: 'Boot',
    cell: (i) => <span className="text-xs text-slate-500">{i.bootsKernel ? 'Direct kernel' : 'Disk'}</span>,
  },
  {
    id: 'minmem',
    header: 'Min memory',
    align: 'right',
    sortValue: (i) => i.minMemoryMiB ?? 0,
    cell: (i) =>
      i.minMemoryMiB ? (
        `${i.minMemoryMiB} MiB`
      ) : (
        <span className="text-slate-400" title="The image declares no minimum">
          —
        </span>
      ),
  },
  { id: 'size', header: 'Size', align: 'right', sortValue: (i) => i.sizeBytes, cell: (i) => formatBytes(i.sizeBytes) },
  {
    id: 'vsize',
    header: 'Virtual size',
    align: 'right',
    sortValue: (i) => i.virtualSizeBytes,
    cell: (i) => formatBytes(i.virtualSizeBytes),
  },
  {
    id: 'sha',
    header: 'SHA-256',
    cell: (i) =>
      i.sha256 ? (
        <span className="inline-flex items-center gap-1">
          <code className="font-mono text-xs text-slate-600" title={i.sha256}>
            {shortHash(i.sha256)}
          </code>
          <CopyButton value={i.sha256} label={`Copy SHA-256 of ${i.name} ${i.version}`} />
        </span>
      ) : (
        <span className="text-slate-400">—</span>
      ),
  },
  { id: 'vms', header: 'VMs', align: 'right', sortValue: (i) => i.vmCount, cell: (i) => i.vmCount },
  {
    id: 'created',
    header: 'Imported',
    align: 'right',
    sortValue: (i) => Date.parse(i.createdAt),
    cell: (i) => <span title={formatDateTime(i.createdAt)}>{formatRelativeTime(i.createdAt)}</span>,
  },
];

export function ImagesTable() {
  const query = useQuery(imageQueries.list());
  return (
    <QueryState query={query} what="images" skeleton={<SkeletonRows rows={4} />}>
      {(images) => (
        <DataTable
          label="Images"
          rows={images}
          columns={COLUMNS}
          rowKey={(i) => i.id}
          searchText={(i) => `${i.name} ${i.version} ${i.description} ${i.sha256}`}
          searchPlaceholder="Filter images…"
          initialSort={{ id: 'name', desc: false }}
          empty={
            <EmptyState
              icon={<ImageIcon />}
              title="No images yet — import one to create VMs from"
              description="Point at a qcow2 disk on a host or an http(s) URL; vmops copies it into the shared repository and checks its SHA-256."
              action={<ImportImageButton label="Import an image" />}
            />
          }
        />
      )}
    </QueryState>
  );
}
