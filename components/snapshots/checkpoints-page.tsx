'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { OpenDialogButton } from '@/components/backups/backup-buttons';
import { EmptyState } from '@/components/ui/empty-state';
import { CheckpointIcon, TaskIcon } from '@/components/ui/icons';
import { PageHeader } from '@/components/ui/page-header';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import { snapshotQueries } from '@/lib/queries/snapshot-queries';
import { GroupCreateDialog } from './group-create-dialog';
import { GroupsTable } from './groups-table';
import { PointStatsChart } from './point-stats-chart';
import { ScheduleFormDialog } from './schedule-form-dialog';
import { SchedulesTable } from './schedules-table';
import { useTaskWatch } from './use-task-watch';

/** /checkpoints: multi-VM checkpoints, snapshot schedules, and the cluster's points over time. */
export function CheckpointsPage() {
  const groups = useQuery(snapshotQueries.groups());
  const schedules = useQuery(snapshotQueries.schedules());
  const { watch, watchers } = useTaskWatch();
  // The page owns the dialogs, so they outlive the empty states their buttons sit in.
  const [dialog, setDialog] = useState<'group' | 'schedule' | null>(null);
  const newGroup = (label: string) => (
    <OpenDialogButton action="snapshot.manage" label={label} onOpen={() => setDialog('group')} />
  );
  const newSchedule = (label: string) => (
    <OpenDialogButton action="snapshot.schedule" label={label} onOpen={() => setDialog('schedule')} />
  );

  return (
    <>
      <PageHeader
        title="Checkpoints"
        description="Group checkpoints freeze several VMs, across hosts, at one instant and bring them back together; schedules take snapshots of VMs on a cron."
        actions={newGroup('New group checkpoint')}
      />
      <div className="space-y-5">
        <section aria-label="Group checkpoints" className="space-y-2">
          <h2 className="text-sm font-semibold text-slate-900">Group checkpoints</h2>
          <QueryState query={groups} what="group checkpoints" skeleton={<SkeletonRows rows={3} />}>
            {(list) => (
              <GroupsTable
                groups={list}
                watch={watch}
                empty={
                  <EmptyState
                    icon={<CheckpointIcon />}
                    title="No group checkpoints yet"
                    description="Choose VMs by name or tag: they are paused at one instant, each one's disk (and memory) is frozen, and all resume within milliseconds."
                    action={newGroup('Take a group checkpoint')}
                  />
                }
              />
            )}
          </QueryState>
        </section>
        <PointStatsChart />
        <section aria-label="Snapshot schedules" className="space-y-2">
          <div className="flex items-center justify-between">
            <h2 className="text-sm font-semibold text-slate-900">Snapshot schedules</h2>
            {Boolean(schedules.data?.length) && newSchedule('New schedule')}
          </div>
          <QueryState query={schedules} what="snapshot schedules" skeleton={<SkeletonRows rows={2} />}>
            {(list) => (
              <SchedulesTable
                schedules={list}
                empty={
                  <EmptyState
                    icon={<TaskIcon />}
                    title="No snapshot schedules yet"
                    description="Like a backup job: VMs by name or tag, a cron, and how many snapshots to keep; older ones are merged away."
                    action={newSchedule('Create a schedule')}
                  />
                }
              />
            )}
          </QueryState>
        </section>
      </div>
      {dialog === 'group' && (
        <GroupCreateDialog
          onClose={() => setDialog(null)}
          onAccepted={(taskId, name) => watch(taskId, `Group checkpoint “${name}”`)}
        />
      )}
      {dialog === 'schedule' && <ScheduleFormDialog onClose={() => setDialog(null)} />}
      {watchers}
    </>
  );
}
