'use client';
import Link from 'next/link';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { TaskProgress } from '@/components/tasks/task-progress';
import { Button } from '@/components/ui/button';
import type { VmSnapshotsDto } from '@/lib/domain/snapshots/dto';
import { useDetachClone } from '@/lib/queries/snapshot-mutations';

/** On a linked clone: what it depends on, and "Make independent" with the copy's progress. */
export function CloneBanner({
  vmId,
  cloneOf,
  busyReason,
  onAccepted,
}: {
  vmId: string;
  cloneOf: NonNullable<VmSnapshotsDto['cloneOf']>;
  busyReason: string | null;
  onAccepted: (taskId: string) => void;
}) {
  const perm = usePermission('snapshot.manage');
  const detach = useDetachClone(vmId);
  const [taskId, setTaskId] = useState<string | null>(null);
  const blocked = perm.reason ?? busyReason;
  return (
    <div
      role="status"
      data-testid="clone-banner"
      className="border-b border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-950"
    >
      <div className="flex flex-wrap items-center gap-3">
        <p className="min-w-0 flex-1">
          <span className="font-medium">Linked clone</span> of{' '}
          <Link
            href={`/vms/${cloneOf.vmId}`}
            className="font-medium text-accent-700 underline-offset-2 hover:underline"
          >
            {cloneOf.vmName}
          </Link>{' '}
          at “{cloneOf.snapshotName}”: its disk reads that snapshot’s layer and writes only its own changes. Making it
          independent copies what it still reads from there (while it runs), so the snapshot can be deleted.
        </p>
        <Button
          variant="primary"
          size="sm"
          loading={detach.isPending}
          disabled={Boolean(blocked) || Boolean(taskId)}
          disabledReason={blocked}
          onClick={() =>
            detach.mutate(undefined, {
              onSuccess: (r) => {
                setTaskId(r.taskId);
                onAccepted(r.taskId);
              },
            })
          }
        >
          Make independent
        </Button>
      </div>
      {taskId && <TaskProgress key={taskId} taskId={taskId} className="mt-3" onDismiss={() => setTaskId(null)} />}
    </div>
  );
}
