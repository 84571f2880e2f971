'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { TaskProgress } from '@/components/tasks/task-progress';
import { useToast } from '@/components/ui/toast';
import type { TaskDto } from '@/lib/domain/tasks/dto';
import { RestorePointLegend, RestorePointTimeline } from '@/components/charts/restore-point-timeline';
import { ButtonLink } from '@/components/ui/button';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { ImageIcon } from '@/components/ui/icons';
import { QueryState } from '@/components/ui/query-state';
import { SkeletonRows } from '@/components/ui/skeleton';
import type { VmDto } from '@/lib/domain/vms/dto';
import { backupQueries } from '@/lib/queries/backup-queries';
import { RestorePointActions } from './restore-point-actions';
import { RestorePointsTable } from './restore-points-table';

/** The VM page's restore points: timeline, the same points as a table, and actions on the chosen one. */
export function RestorePointsSection({ vm }: { vm: VmDto }) {
  const query = useQuery(backupQueries.restorePoints(vm.id));
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [deleteTaskId, setDeleteTaskId] = useState<string | null>(null);
  const qc = useQueryClient();
  const { toast } = useToast();
  const onDeleteFinished = useCallback(
    (task: TaskDto) => {
      void qc.invalidateQueries({ queryKey: backupQueries.all() });
      toast(
        task.state === 'succeeded'
          ? { tone: 'success', title: 'Restore point deleted' }
          : { tone: 'error', title: 'Restore point not deleted', description: task.error?.message },
      );
    },
    [qc, toast],
  );

  return (
    <Card aria-label="Restore points" data-testid="restore-points">
      <CardHeader
        title="Restore points"
        description="Click a point on the timeline or a row below to verify or restore it."
        actions={<RestorePointLegend />}
      />
      <QueryState query={query} what="restore points" skeleton={<SkeletonRows rows={3} />}>
        {(all) => {
          const points = [...all].sort((a, b) => Date.parse(a.takenAt) - Date.parse(b.takenAt));
          if (points.length === 0) {
            return (
              <EmptyState
                icon={<ImageIcon />}
                title="No restore points yet"
                description="Add this VM to a backup job (by name or by one of its tags) and run it; each run adds a point here."
                action={
                  <ButtonLink href="/backups" variant="secondary">
                    Go to backups
                  </ButtonLink>
                }
              />
            );
          }
          const selected = points.find((p) => p.id === selectedId) ?? null;
          return (
            <CardBody className="space-y-4">
              <RestorePointTimeline points={points} selectedId={selectedId} onSelect={setSelectedId} />
              {selected && (
                <RestorePointActions
                  key={selected.id}
                  vm={vm}
                  point={selected}
                  points={points}
                  onClose={() => setSelectedId(null)}
                  onDeleting={(taskId) => {
                    setSelectedId(null);
                    setDeleteTaskId(taskId);
                  }}
                />
              )}
              {deleteTaskId && (
                <TaskProgress
                  key={deleteTaskId}
                  taskId={deleteTaskId}
                  onFinished={onDeleteFinished}
                  onDismiss={() => setDeleteTaskId(null)}
                />
              )}
              <RestorePointsTable points={points} selectedId={selectedId} onSelect={setSelectedId} />
            </CardBody>
          );
        }}
      </QueryState>
    </Card>
  );
}
