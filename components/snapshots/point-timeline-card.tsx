'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { RestoreDialog } from '@/components/restores/restore-dialog';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { XIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import type { TimelinePointDto } from '@/lib/domain/snapshots/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { useNow } from '@/lib/hooks/use-now';
import { formatBytes, formatDateTime, formatRelativeTime } from '@/lib/format';
import { backupQueries } from '@/lib/queries/backup-queries';
import { snapshotQueries } from '@/lib/queries/snapshot-queries';
import { usePointDialogs, usePointReasons } from './point-actions';
import { KindLegend, TIMELINE_KINDS } from './point-kinds';
import { PointTimelineChart } from './point-timeline-chart';

/**
 * The VM page's "Timeline": backups, snapshots, checkpoints and group checkpoints on one axis; a click offers what that
 * point can do.
 */
export function PointTimelineCard({ vm }: { vm: VmDto }) {
  const query = useQuery(snapshotQueries.timeline(vm.id));
  const now = useNow(30_000);
  const [selected, setSelected] = useState<TimelinePointDto | null>(null);
  const current = selected && query.data?.points.find((p) => p.id === selected.id);

  return (
    <Card aria-label="Timeline" data-testid="timeline-card">
      <CardHeader
        title="Timeline"
        description="Click a point to revert to it, clone it or restore it"
        actions={<KindLegend label="Kinds of point" kinds={Object.values(TIMELINE_KINDS)} />}
      />
      <QueryState query={query} what="the timeline" skeleton={<Skeleton className="m-4 h-40" />}>
        {(data) => (
          <CardBody className="space-y-3">
            {data.points.length === 0 ? (
              <p className="rounded-md border border-dashed border-slate-200 px-3 py-8 text-center text-sm text-slate-500">
                No points yet: take a snapshot or a checkpoint above, or add the VM to a backup job.
              </p>
            ) : (
              <PointTimelineChart
                points={data.points}
                selectedId={current?.id ?? null}
                now={now}
                onSelect={setSelected}
              />
            )}
            {current && <ChosenPoint key={current.id} vm={vm} point={current} onClose={() => setSelected(null)} />}
          </CardBody>
        )}
      </QueryState>
    </Card>
  );
}

/**
 * The chosen point and its actions: revert or clone a snapshot, restore a backup (the restore dialog of the backups).
 */
function ChosenPoint({ vm, point, onClose }: { vm: VmDto; point: TimelinePointDto; onClose: () => void }) {
  const snapshots = useQuery({ ...snapshotQueries.vm(vm.id), enabled: !point.actions.includes('restore') });
  const backups = useQuery({ ...backupQueries.restorePoints(vm.id), enabled: point.actions.includes('restore') });
  const reasons = usePointReasons(vm, snapshots.data);
  const restorePerm = usePermission('backup.restore');
  const dialogs = usePointDialogs(vm);
  const [restore, setRestore] = useState<'new' | 'replace' | null>(null);
  const snapshot = snapshots.data?.snapshots.find((s) => s.id === point.id);
  const backup = backups.data?.find((b) => b.id === point.id);
  const missing = (what: string) => `Loading the ${what}…`;

  return (
    <section
      aria-label="Chosen point"
      data-testid="timeline-selection"
      className="flex flex-wrap items-center gap-2 rounded-md border border-accent-200 bg-accent-50/40 p-3"
    >
      <span
        aria-hidden="true"
        className="size-2.5 rounded-full"
        style={{ background: TIMELINE_KINDS[point.kind].color }}
      />
      <span className="font-medium text-slate-900">{point.label}</span>
      <span className="text-xs text-slate-600">
        {TIMELINE_KINDS[point.kind].label} ·{' '}
        <span title={formatDateTime(point.at)}>{formatRelativeTime(point.at)}</span> · {formatBytes(point.sizeBytes)}
      </span>
      <span className="ml-auto flex flex-wrap items-center gap-2">
        {point.actions.includes('revert') && (
          <Button
            size="sm"
            variant="primary"
            disabled={Boolean(reasons.revert) || !snapshot}
            disabledReason={reasons.revert ?? (snapshot ? null : missing('snapshot'))}
            onClick={() => snapshot && dialogs.open({ type: 'revert', snapshot })}
          >
            Revert…
          </Button>
        )}
        {point.actions.includes('clone') && (
          <Button
            size="sm"
            disabled={Boolean(reasons.clone) || !snapshot}
            disabledReason={reasons.clone ?? (snapshot ? null : missing('snapshot'))}
            onClick={() => snapshot && dialogs.open({ type: 'clone', snapshot })}
          >
            Clone…
          </Button>
        )}
        {point.actions.includes('restore') && (
          <>
            <Button
              size="sm"
              variant="primary"
              disabled={!restorePerm.allowed || !backup}
              disabledReason={restorePerm.reason ?? (backup ? null : missing('restore point'))}
              onClick={() => setRestore('new')}
            >
              Restore as new VM
            </Button>
            <Button
              size="sm"
              variant="danger"
              disabled={!restorePerm.allowed || !backup}
              disabledReason={restorePerm.reason ?? (backup ? null : missing('restore point'))}
              onClick={() => setRestore('replace')}
            >
              Replace this VM…
            </Button>
          </>
        )}
        <button
          type="button"
          onClick={onClose}
          aria-label="Close chosen point"
          className="rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-700"
        >
          <XIcon />
        </button>
      </span>
      {dialogs.node}
      {restore && backup && <RestoreDialog mode={restore} vm={vm} point={backup} onClose={() => setRestore(null)} />}
    </section>
  );
}
