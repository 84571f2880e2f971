'use client';
import Link from 'next/link';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { BackupJobDto } from '@/lib/domain/backups/dto';
import { formatBytes, formatDateTime, formatDuration, formatRelativeTime } from '@/lib/format';
import { RunStateBadge, runReason } from './backup-bits';
import { JobRowActions, JobEnabledSwitch } from './job-row-actions';

function Selector({ job }: { job: BackupJobDto }) {
  const { vmIds, tags } = job.selector;
  const names = job.resolvedVms.map((v) => v.name);
  return (
    <div className="max-w-52 text-xs" title={names.length ? `Now: ${names.join(', ')}` : 'No VM matches now'}>
      {vmIds.length > 0 && (
        <p className="truncate text-slate-700">
          {vmIds.length} VM{vmIds.length === 1 ? '' : 's'} by name
        </p>
      )}
      {tags.length > 0 && (
        <p className="flex flex-wrap gap-1">
          {tags.map((t) => (
            <span
              key={t}
              className="rounded bg-slate-100 px-1.5 py-px font-mono text-[11px] whitespace-nowrap text-slate-600"
            >
              {t}
            </span>
          ))}
        </p>
      )}
      <p className="text-slate-500">
        {names.length} VM{names.length === 1 ? '' : 's'} now
      </p>
    </div>
  );
}

function LastRun({ job }: { job: BackupJobDto }) {
  const run = job.lastRun;
  if (job.activeTaskId) {
    return (
      <Link href={`/tasks/${job.activeTaskId}`} className="hover:underline">
        <RunStateBadge state="running" />
      </Link>
    );
  }
  if (!run) return <span className="text-xs text-slate-500">Never run</span>;
  const reason = run.state === 'succeeded' ? null : runReason(run);
  return (
    <div className="max-w-64 text-xs" data-testid="job-last-run">
      <div className="flex items-center gap-2">
        <RunStateBadge state={run.state} />
        <span className="whitespace-nowrap text-slate-500" title={formatDateTime(run.startedAt)}>
          {formatRelativeTime(run.startedAt)}
        </span>
      </div>
      <p className="mt-0.5 text-slate-600 tabular-nums">
        {formatDuration(run.durationMs)} · {formatBytes(run.bytesWritten)} written · {run.vmCount - run.failedCount}/
        {run.vmCount} VMs
      </p>
      {reason && (
        <p className="mt-0.5 line-clamp-2 text-red-700" title={reason}>
          {reason}
        </p>
      )}
    </div>
  );
}

const COLUMNS: Column<BackupJobDto>[] = [
  {
    id: 'name',
    header: 'Job',
    sortValue: (j) => j.name,
    cell: (j) => (
      <div className="text-xs">
        <p className="text-sm font-medium whitespace-nowrap text-slate-900" data-testid="job-name">
          {j.name}
        </p>
        <p className="whitespace-nowrap text-slate-500">to {j.repositoryName}</p>
      </div>
    ),
  },
  { id: 'selector', header: 'VMs', cell: (j) => <Selector job={j} /> },
  {
    id: 'schedule',
    header: 'Schedule',
    sortValue: (j) => j.nextRunAt,
    cell: (j) => (
      <div className="max-w-56 text-xs">
        <p className="text-slate-800">
          {j.scheduleDescription}
          {j.scheduleDescription.includes(j.timezone) ? '' : ` (${j.timezone})`}
        </p>
        <p className="whitespace-nowrap text-slate-500">
          <span className="font-mono">{j.schedule}</span> ·{' '}
          {!j.enabled ? (
            'disabled'
          ) : j.nextRunAt ? (
            <span title={formatDateTime(j.nextRunAt)}>next {formatRelativeTime(j.nextRunAt)}</span>
          ) : (
            'no next run'
          )}
        </p>
      </div>
    ),
  },
  { id: 'last', header: 'Last run', sortValue: (j) => j.lastRun?.startedAt, cell: (j) => <LastRun job={j} /> },
  {
    id: 'enabled',
    header: 'Enabled',
    sortValue: (j) => (j.enabled ? 1 : 0),
    cell: (j) => <JobEnabledSwitch job={j} />,
  },
  {
    id: 'actions',
    header: <span className="sr-only">Actions</span>,
    align: 'right',
    cell: (j) => <JobRowActions job={j} />,
  },
];

export function JobsTable({ jobs, empty }: { jobs: BackupJobDto[]; empty: React.ReactNode }) {
  return (
    <DataTable
      label="Backup jobs"
      rows={jobs}
      columns={COLUMNS}
      rowKey={(j) => j.id}
      initialSort={{ id: 'name', desc: false }}
      searchText={(j) =>
        `${j.name} ${j.repositoryName} ${j.selector.tags.join(' ')} ${j.resolvedVms.map((v) => v.name).join(' ')}`
      }
      searchPlaceholder="Filter jobs by name, VM, tag…"
      empty={empty}
    />
  );
}
