'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { TaskProgress } from '@/components/tasks/task-progress';
import { Button } from '@/components/ui/button';
import { XIcon } from '@/components/ui/icons';
import type { RestorePointDto } from '@/lib/domain/backups/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatBytes, formatDateTime, formatDuration, shortHash } from '@/lib/format';
import { useDeletePoint, useVerifyPoint } from '@/lib/queries/backup-mutations';
import { DeletePointDialog } from './delete-point-dialog';
import { RestoreDialog } from './restore-dialog';
import { KindBadge, VerifyBadge } from './restore-points-table';

/**
 * What can be done with one chosen restore point: verify it, restore it as a new VM, roll this VM back to it, or delete
 * it.
 */
export function RestorePointActions({
  vm,
  point,
  points,
  onClose,
  onDeleting,
}: {
  vm: VmDto;
  point: RestorePointDto;
  points: RestorePointDto[];
  onClose: () => void;
  /** The deletion task was accepted: the section follows it (this panel goes with the point). */
  onDeleting: (taskId: string) => void;
}) {
  const manage = usePermission('backup.manage');
  const remove = usePermission('restore-point.delete');
  const deletePoint = useDeletePoint();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const restore = usePermission('backup.restore');
  const verify = useVerifyPoint();
  const [verifyTaskId, setVerifyTaskId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'new' | 'replace' | null>(null);
  // A safety copy only guards the restore that made it (the server refuses to restore from it).
  const restoreBlocked =
    restore.reason ??
    (point.kind === 'safety' ? 'A safety copy guards a restore in progress; restore from a backup point' : null);
  const runVerify = (boot: boolean) =>
    verify.mutate({ pointId: point.id, boot }, { onSuccess: ({ taskId }) => setVerifyTaskId(taskId) });

  return (
    <section
      aria-label="Chosen restore point"
      data-testid="restore-point-actions"
      className="rounded-md border border-accent-200 bg-accent-50/40 p-3"
    >
      <div className="flex flex-wrap items-center gap-2">
        <KindBadge kind={point.kind} />
        <span className="font-medium text-slate-900 tabular-nums">{formatDateTime(point.takenAt)}</span>
        <VerifyBadge point={point} />
        <span className="text-xs text-slate-500">
          {formatBytes(point.sizeBytes)} file · {formatBytes(point.virtualSizeBytes)} disk · took{' '}
          {formatDuration(point.durationMs)} · SHA-256 <span className="font-mono">{shortHash(point.sha256)}</span>
        </span>
        <button
          type="button"
          onClick={onClose}
          aria-label="Close restore point"
          className="ml-auto rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-700"
        >
          <XIcon />
        </button>
      </div>
      {point.fullReason && (
        <p className="mt-1 text-xs text-slate-500">Taken as a full backup because {point.fullReason}.</p>
      )}
      {point.verifyMessage && <p className="mt-1 text-xs text-slate-500">Last verification: {point.verifyMessage}</p>}
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <Button
          variant="primary"
          onClick={() => setDialog('new')}
          disabled={Boolean(restoreBlocked)}
          disabledReason={restoreBlocked}
        >
          Restore as new VM
        </Button>
        <Button
          variant="danger"
          onClick={() => setDialog('replace')}
          disabled={Boolean(restoreBlocked)}
          disabledReason={restoreBlocked}
        >
          Replace this VM…
        </Button>
        <span aria-hidden="true" className="mx-1 h-5 w-px bg-slate-200" />
        <Button
          onClick={() => runVerify(false)}
          loading={verify.isPending && verify.variables?.boot === false}
          disabled={!manage.allowed || verify.isPending}
          disabledReason={manage.reason}
          title="Re-read every file of the chain and compare its SHA-256 with the manifest"
        >
          Verify checksums
        </Button>
        <Button
          onClick={() => runVerify(true)}
          loading={verify.isPending && verify.variables?.boot === true}
          disabled={!manage.allowed || verify.isPending}
          disabledReason={manage.reason}
          title="Restore into a throwaway VM, boot it, wait for the guest to come up, then delete it"
        >
          Boot check
        </Button>
        <Button
          variant="danger"
          className="ml-auto"
          onClick={() => setConfirmDelete(true)}
          disabled={!remove.allowed}
          disabledReason={remove.reason}
        >
          Delete point…
        </Button>
      </div>
      {verifyTaskId && (
        <TaskProgress
          key={verifyTaskId}
          taskId={verifyTaskId}
          className="mt-3"
          onDismiss={() => setVerifyTaskId(null)}
        />
      )}
      {dialog && <RestoreDialog mode={dialog} vm={vm} point={point} onClose={() => setDialog(null)} />}
      {confirmDelete && (
        <DeletePointDialog
          point={point}
          points={points}
          pending={deletePoint.isPending}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={(merge) =>
            deletePoint.mutate(
              { pointId: point.id, merge },
              { onSuccess: ({ taskId }) => onDeleting(taskId), onSettled: () => setConfirmDelete(false) },
            )
          }
        />
      )}
    </section>
  );
}
