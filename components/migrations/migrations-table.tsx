'use client';
import Link from 'next/link';
import { useState } from 'react';
import { DataTable, type Column } from '@/components/ui/data-table';
import { EmptyState } from '@/components/ui/empty-state';
import { FilterSelect } from '@/components/ui/form-field';
import { ProgressBar } from '@/components/ui/progress-bar';
import {
  MIGRATION_REASONS,
  MIGRATION_STATE,
  type MigrationDto,
  type MigrationReason,
  type MigrationState,
} from '@/lib/domain/migrations/dto';
import { formatBytes, formatDateTime, formatDuration, formatRelativeTime } from '@/lib/format';
import { useNow } from '@/lib/hooks/use-now';
import {
  MODE_LABELS,
  MigrationRoute,
  MigrationStateBadge,
  PHASE_LABELS,
  REASON_LABELS,
  ReasonBadge,
} from './migration-bits';
import { migrationRatio } from './migration-rules';

const dash = <span className="text-slate-400">—</span>;

function StateCell({ m }: { m: MigrationDto }) {
  if (m.state !== 'running') {
    return (
      <span title={m.error ?? undefined}>
        <MigrationStateBadge state={m.state} />
      </span>
    );
  }
  return (
    <div className="flex min-w-40 items-center gap-2">
      <MigrationStateBadge state={m.state} />
      <div className="min-w-0 flex-1">
        <ProgressBar value={migrationRatio(m)} label={`Migration of ${m.vmName}`} size="sm" striped />
        <p className="mt-0.5 truncate text-[11px] text-slate-500">{PHASE_LABELS[m.progress?.phase ?? 'preparing']}</p>
      </div>
    </div>
  );
}

/** cluster: every column and filter; vm: no VM column, filters once the list is long; host: a compact list of moves. */
export type MigrationsTableVariant = 'cluster' | 'vm' | 'host';

function columns(variant: MigrationsTableVariant, now: number): Column<MigrationDto>[] {
  const all: (Column<MigrationDto> | false)[] = [
    variant !== 'vm' && {
      id: 'vm',
      header: 'VM',
      sortValue: (m) => m.vmName,
      className: 'max-w-48',
      cell: (m) => (
        <Link href={`/vms/${m.vmId}`} className="block truncate font-medium text-slate-900 hover:text-accent-700">
          {m.vmName}
        </Link>
      ),
    },
    {
      id: 'route',
      header: 'Source → target',
      sortValue: (m) => `${m.sourceHostName} ${m.targetHostName}`,
      cell: (m) => <MigrationRoute m={m} />,
    },
    variant !== 'host' && {
      id: 'reason',
      header: 'Reason',
      sortValue: (m) => m.reason,
      cell: (m) => <ReasonBadge reason={m.reason} />,
    },
    { id: 'state', header: 'State', sortValue: (m) => m.state, cell: (m) => <StateCell m={m} /> },
    {
      id: 'started',
      header: 'Started',
      align: 'right',
      sortValue: (m) => Date.parse(m.startedAt),
      className: 'whitespace-nowrap',
      cell: (m) => <span title={formatDateTime(m.startedAt)}>{formatRelativeTime(m.startedAt, now)}</span>,
    },
    {
      id: 'duration',
      header: 'Duration',
      align: 'right',
      sortValue: (m) => m.durationMs,
      className: 'whitespace-nowrap',
      cell: (m) =>
        m.state === 'running' ? (
          <span className="text-slate-500">{formatDuration(now - Date.parse(m.startedAt))}</span>
        ) : (
          formatDuration(m.durationMs)
        ),
    },
    {
      id: 'downtime',
      header: 'Downtime',
      align: 'right',
      sortValue: (m) => m.downtimeMs,
      className: 'whitespace-nowrap',
      cell: (m) => (m.downtimeMs == null ? dash : formatDuration(m.downtimeMs)),
    },
    {
      id: 'bytes',
      header: 'Transferred',
      align: 'right',
      sortValue: (m) => m.bytesTransferred,
      className: 'whitespace-nowrap',
      // The mode rides along as a tooltip: it explains what the bytes were (disk mirror or memory only).
      cell: (m) => (
        <span
          title={`${MODE_LABELS[m.mode].label}${m.mode === 'storage' ? `: ${formatBytes(m.diskBytes)} of disk mirrored` : ''}`}
        >
          {formatBytes(m.state === 'running' ? (m.progress?.transferredBytes ?? 0) : m.bytesTransferred)}
        </span>
      ),
    },
  ];
  return all.filter((c): c is Column<MigrationDto> => Boolean(c));
}

// Below this many rows a VM's history needs no filters.
const VM_FILTERS_FROM = 6;

/** Migration history with reason and state filters; running rows show live progress. */
export function MigrationsTable({
  migrations,
  variant = 'cluster',
  empty,
}: {
  migrations: MigrationDto[];
  variant?: MigrationsTableVariant;
  empty: { title: string; description: string };
}) {
  const now = useNow(1000);
  const [reason, setReason] = useState<MigrationReason | ''>('');
  const [state, setState] = useState<MigrationState | ''>('');
  if (migrations.length === 0) {
    return (
      <div className="rounded-lg border border-slate-200 bg-white shadow-xs">
        <EmptyState title={empty.title} description={empty.description} />
      </div>
    );
  }
  const filters = variant === 'cluster' || (variant === 'vm' && migrations.length >= VM_FILTERS_FROM);
  const rows = migrations.filter((m) => (!reason || m.reason === reason) && (!state || m.state === state));
  return (
    <DataTable
      label="Migrations"
      rows={rows}
      columns={columns(variant, now)}
      rowKey={(m) => m.id}
      dense={variant !== 'cluster'}
      searchText={
        variant === 'cluster'
          ? (m) => `${m.vmName} ${m.sourceHostName} ${m.targetHostName} ${m.reason} ${m.state}`
          : undefined
      }
      searchPlaceholder="Filter by VM or host…"
      initialSort={{ id: 'started', desc: true }}
      filtersActive={Boolean(reason || state)}
      onClearFilters={() => {
        setReason('');
        setState('');
      }}
      toolbar={
        filters && (
          <>
            <FilterSelect
              label="Reason"
              value={reason}
              onChange={(e) => setReason(e.target.value as MigrationReason | '')}
            >
              <option value="">All</option>
              {MIGRATION_REASONS.map((r) => (
                <option key={r} value={r}>
                  {REASON_LABELS[r]}
                </option>
              ))}
            </FilterSelect>
            <FilterSelect label="State" value={state} onChange={(e) => setState(e.target.value as MigrationState | '')}>
              <option value="">All</option>
              {Object.values(MIGRATION_STATE).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </FilterSelect>
          </>
        )
      }
      empty={<EmptyState title={empty.title} description={empty.description} />}
    />
  );
}
