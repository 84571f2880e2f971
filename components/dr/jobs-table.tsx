'use client';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { StateBadge } from '@/components/ui/badge';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { DrJobDto } from '@/lib/domain/dr/dto';
import { formatBytes, formatRelativeTime } from '@/lib/format';
import { DrStatusBadge, formatSec, pointKindText, rpoText } from './dr-bits';
import { lastRunDataBytes } from './dr-rules';
import { FailbackProgress } from './failback-actions';
import { DiscardTestButton, JobActions } from './job-actions';

type Watch = (taskId: string, what: string) => void;

const vmLink = (id: string, name: string) => (
  <Link href={`/vms/${id}`} className="font-medium text-slate-900 hover:text-accent-700 hover:underline">
    {name}
  </Link>
);

function columns(watch: Watch): Column<DrJobDto>[] {
  return [
    {
      id: 'vm',
      header: 'VM',
      sortValue: (j) => j.vm.name,
      cell: (j) => (
        <div className="space-y-1">
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
            {vmLink(j.vm.id, j.vm.name)}
            <StateBadge state={j.vm.state} />
          </div>
          {j.tests.map((t) => (
            <div
              key={t.vmId}
              className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs"
              data-testid="dr-test-copy"
              data-vm={t.name}
            >
              <span className="whitespace-nowrap text-slate-500">Test copy</span> {vmLink(t.vmId, t.name)}{' '}
              <StateBadge state={t.state} />
              <DiscardTestButton test={t} watch={watch} />
            </div>
          ))}
        </div>
      ),
    },
    {
      id: 'route',
      header: 'From → to',
      cell: (j) => (
        <span className="block text-xs">
          <span className="block whitespace-nowrap">
            {j.vm.site} / {j.vm.hostName}
          </span>
          <span className="block whitespace-nowrap">
            <span aria-hidden="true">→</span>
            <span className="sr-only">to</span> {j.replica.hostName} / {j.replica.site}
          </span>
          <span className="block text-slate-500">replica {vmLink(j.replica.id, j.replica.name)}</span>
        </span>
      ),
    },
    {
      id: 'interval',
      header: 'Every',
      align: 'right',
      sortValue: (j) => j.intervalSec,
      cell: (j) => formatSec(j.intervalSec),
    },
    {
      id: 'rpo',
      header: 'RPO now / target',
      sortValue: (j) => j.rpoSec,
      cell: (j) => (
        <span className="block space-y-1.5">
          <span className="flex flex-wrap items-center gap-2">
            <DrStatusBadge job={j} />
            <span className="text-xs whitespace-nowrap tabular-nums" data-testid="dr-rpo">
              {rpoText(j)}
            </span>
          </span>
          {j.state === 'failing-back' && j.failback && <FailbackProgress failback={j.failback} />}
        </span>
      ),
    },
    {
      id: 'newest',
      header: 'Newest point',
      sortValue: (j) => j.newestPoint?.takenAt,
      cell: (j): ReactNode =>
        j.newestPoint ? (
          <span className="text-xs" data-testid="dr-newest">
            {formatRelativeTime(j.newestPoint.takenAt)}
            <span className="block text-slate-500">
              {pointKindText(j.newestPoint)} · {j.points.length} kept
            </span>
          </span>
        ) : (
          <span className="text-xs text-slate-500">{j.running ? 'first copy running…' : 'none yet'}</span>
        ),
    },
    {
      id: 'lastRun',
      header: 'Last run: data sent',
      align: 'right',
      sortValue: (j) => lastRunDataBytes(j),
      cell: (j) =>
        !j.lastRun ? (
          '—'
        ) : j.lastRun.status === 'failed' ? (
          <span className="text-xs text-red-700" title={j.lastRun.error ?? undefined}>
            failed
          </span>
        ) : (
          <span className="text-xs" data-testid="dr-last-run">
            {j.lastRun.status === 'running' ? 'running…' : formatBytes(lastRunDataBytes(j))}
            {j.lastRun.direction === 'reverse' && <span className="block text-slate-500">reverse</span>}
          </span>
        ),
    },
    {
      id: 'actions',
      header: <span className="sr-only">Actions</span>,
      // Not align 'right': the dialogs the buttons open are DOM children of this cell and would
      // inherit its text alignment; the buttons sit right by their own flex.
      cell: (j) => <JobActions job={j} watch={watch} />,
    },
  ];
}

/** The protected VMs: where each replicates to, how fresh its replica is, and its DR controls. */
export function JobsTable({ jobs, watch, empty }: { jobs: DrJobDto[]; watch: Watch; empty: ReactNode }) {
  return (
    <DataTable
      label="Protected VMs"
      rows={jobs}
      columns={columns(watch)}
      rowKey={(j) => j.id}
      empty={empty}
      initialSort={{ id: 'vm', desc: false }}
    />
  );
}
