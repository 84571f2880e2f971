'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { MetricsPanel, type ChartSpec } from '@/components/charts/metrics-panel';
import { StateBadge } from '@/components/ui/badge';
import { GuestBadge } from './guest-badge';
import { ButtonLink } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { AlertIcon, VmIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import { TaskProgress } from '@/components/tasks/task-progress';
import type { TaskDto } from '@/lib/domain/tasks/dto';
import { formatBytesPerSec, formatPercent } from '@/lib/format';
import { isApiError } from '@/lib/queries/api-fetch';
import { metricQueries } from '@/lib/queries/metric-queries';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';
import { useRefreshAfterTask } from '@/lib/queries/vm-mutations';
import { vmQueries } from '@/lib/queries/vm-queries';
import { VmActions } from './vm-actions';
import { VmConsole } from './vm-console';
import { VmDetailsPanel } from './vm-details-panel';
import { MigrateButton } from '@/components/migrations/migrate-button';
import { VmMigrations } from '@/components/migrations/vm-migrations';
import { RestorePointsSection } from '@/components/restores/restore-points-section';
import { VmHaCard } from '@/components/ha/vm-ha-card';
import { PointTimelineCard } from '@/components/snapshots/point-timeline-card';
import { SnapshotsCard } from '@/components/snapshots/snapshots-card';
import { VmDrLabel } from '@/components/dr/vm-dr-label';
import { VmReplicationCard } from '@/components/dr/vm-replication-card';

const VM_CHARTS: ChartSpec[] = [
  {
    name: 'vm-cpu',
    title: 'CPU',
    unit: 'percent',
    yMax: 100,
    series: [{ key: 'cpuPct', label: 'CPU' }],
    current: (p) => formatPercent(p.cpuPct),
  },
  {
    name: 'vm-disk',
    title: 'Disk I/O',
    unit: 'bytesPerSec',
    kind: 'line',
    series: [
      { key: 'diskRdBps', label: 'Read' },
      { key: 'diskWrBps', label: 'Write' },
    ],
    current: (p) => `read ${formatBytesPerSec(p.diskRdBps)} · write ${formatBytesPerSec(p.diskWrBps)}`,
  },
];

const RECENT_MS = 2 * 60_000;

/** The VM's active task, else its newest task if that is still running or ended in the last 2 min. */
function currentTaskId(activeTaskId: string | null, tasks: TaskDto[] | undefined): string | null {
  if (activeTaskId) return activeTaskId;
  const latest = tasks?.reduce<TaskDto | undefined>((a, t) => (!a || t.createdAt > a.createdAt ? t : a), undefined);
  if (!latest) return null;
  const ended = latest.finishedAt ? Date.parse(latest.finishedAt) : Date.now();
  return isTaskActive(latest) || Date.now() - ended < RECENT_MS ? latest.id : null;
}

export function VmDetail({ vmId }: { vmId: string }) {
  const query = useQuery(vmQueries.detail(vmId));
  const tasks = useQuery(taskQueries.list({ targetId: vmId }));
  const refresh = useRefreshAfterTask();
  const [dismissed, setDismissed] = useState<string | null>(null);
  const vm = query.data;
  const taskId = vm ? currentTaskId(vm.activeTaskId, tasks.data) : null;

  if (!vm) {
    if (isApiError(query.error, 404)) {
      return (
        <EmptyState
          icon={<VmIcon />}
          title={`No VM "${vmId}"`}
          description="It may have been deleted."
          action={
            <ButtonLink href="/vms" variant="primary">
              Back to virtual machines
            </ButtonLink>
          }
        />
      );
    }
    if (query.isError) return <QueryError error={query.error} what="the VM" onRetry={() => void query.refetch()} />;
    return <Skeleton className="h-48" />;
  }

  return (
    <>
      <PageHeader
        title={vm.name}
        meta={
          <span className="flex items-center gap-2">
            <StateBadge state={vm.state} data-testid="vm-state" />
            <GuestBadge vm={vm} />
            <VmDrLabel vm={vm} />
          </span>
        }
        description={
          <span className="flex flex-wrap gap-x-4">
            <span>
              Host{' '}
              <Link
                href={`/hosts/${vm.hostId}`}
                className="font-medium text-slate-700 hover:text-accent-700 hover:underline"
              >
                {vm.hostName}
              </Link>
            </span>
            <span>
              Image <span className="font-medium text-slate-700">{vm.imageLabel ?? '—'}</span>
            </span>
          </span>
        }
        actions={
          <>
            <MigrateButton vm={vm} />
            <VmActions vm={vm} />
          </>
        }
      />
      <div className="space-y-5">
        {taskId && taskId !== dismissed && (
          <TaskProgress
            key={taskId}
            taskId={taskId}
            onFinished={() => void refresh()}
            onDismiss={() => setDismissed(taskId)}
          />
        )}
        {vm.lastError && (vm.state === 'error' || vm.state === 'crashed') && (
          <div
            role="alert"
            className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
          >
            <AlertIcon className="mt-0.5 shrink-0" /> {vm.lastError}
          </div>
        )}
        {vm.guestWarning && vm.state === 'running' && (
          <div
            role="status"
            data-testid="guest-not-ready"
            className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
          >
            <AlertIcon className="mt-0.5 shrink-0" />{' '}
            <span>
              <span className="font-medium">Guest not ready.</span> {vm.guestWarning}
            </span>
          </div>
        )}
        <MetricsPanel title="Performance" query={(r) => metricQueries.vm(vmId, r)} charts={VM_CHARTS} />
        <div className="grid grid-cols-1 gap-5 xl:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
          <div className="space-y-5">
            <VmDetailsPanel vm={vm} />
            <VmHaCard key={`${vm.haEnabled}-${vm.haPriority}-${vm.haOrder}`} vm={vm} />
            <VmReplicationCard vm={vm} />
          </div>
          <VmConsole vmId={vm.id} />
        </div>
        <SnapshotsCard vm={vm} />
        <PointTimelineCard vm={vm} />
        <RestorePointsSection vm={vm} />
        <VmMigrations vmId={vm.id} />
      </div>
    </>
  );
}
