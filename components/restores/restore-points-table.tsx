'use client';
import { KIND_STYLE, VERIFY_STYLE } from '@/components/charts/restore-point-timeline';
import { Badge, type Tone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { RestorePointDto, VerifyState } from '@/lib/domain/backups/dto';
import { formatBytes, formatDateTime, formatDuration, formatRelativeTime } from '@/lib/format';

const VERIFY_TONE: Record<VerifyState, Tone> = {
  unverified: 'gray',
  ok: 'green',
  'boot-ok': 'green',
  failed: 'red',
  'boot-failed': 'red',
};

export function VerifyBadge({
  point,
}: {
  point: Pick<RestorePointDto, 'verifyState' | 'verifyMessage' | 'verifiedAt'>;
}) {
  const title = [point.verifyMessage, point.verifiedAt && `checked ${formatDateTime(point.verifiedAt)}`]
    .filter(Boolean)
    .join(' · ');
  return (
    <Badge tone={VERIFY_TONE[point.verifyState]} dot title={title || undefined}>
      {VERIFY_STYLE[point.verifyState].label}
    </Badge>
  );
}

export function KindBadge({ kind }: { kind: RestorePointDto['kind'] }) {
  return (
    <Badge tone={kind === 'full' ? 'accent' : kind === 'incremental' ? 'blue' : 'amber'}>
      {KIND_STYLE[kind].label}
    </Badge>
  );
}

export function RestorePointsTable({
  points,
  selectedId,
  onSelect,
}: {
  points: RestorePointDto[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const columns: Column<RestorePointDto>[] = [
    {
      id: 'taken',
      header: 'Taken',
      sortValue: (p) => Date.parse(p.takenAt),
      cell: (p) => (
        <span title={formatRelativeTime(p.takenAt)} className="tabular-nums">
          {formatDateTime(p.takenAt)}
        </span>
      ),
    },
    {
      id: 'kind',
      header: 'Kind',
      sortValue: (p) => p.kind,
      cell: (p) => (
        <span title={p.fullReason ?? undefined}>
          <KindBadge kind={p.kind} />
        </span>
      ),
    },
    {
      id: 'size',
      header: 'Size',
      align: 'right',
      sortValue: (p) => p.sizeBytes,
      cell: (p) => formatBytes(p.sizeBytes),
    },
    {
      id: 'written',
      header: 'Written',
      align: 'right',
      sortValue: (p) => p.bytesWritten,
      cell: (p) => formatBytes(p.bytesWritten),
    },
    {
      id: 'duration',
      header: 'Took',
      align: 'right',
      sortValue: (p) => p.durationMs,
      cell: (p) => formatDuration(p.durationMs),
    },
    { id: 'verify', header: 'Verification', sortValue: (p) => p.verifyState, cell: (p) => <VerifyBadge point={p} /> },
    {
      id: 'job',
      header: 'Job',
      sortValue: (p) => p.jobName,
      cell: (p) => p.jobName ?? <span className="text-slate-400">—</span>,
    },
    {
      id: 'select',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      cell: (p) => (
        <Button
          size="sm"
          variant={p.id === selectedId ? 'primary' : 'secondary'}
          aria-pressed={p.id === selectedId}
          onClick={() => onSelect(p.id)}
        >
          {p.id === selectedId ? 'Chosen' : 'Choose'}
          <span className="sr-only"> restore point {formatDateTime(p.takenAt)}</span>
        </Button>
      ),
    },
  ];
  return (
    <DataTable
      label="Restore points"
      rows={points}
      columns={columns}
      rowKey={(p) => p.id}
      dense
      initialSort={{ id: 'taken', desc: true }}
      empty={null}
    />
  );
}
