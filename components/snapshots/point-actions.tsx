'use client';
import { useState, type ReactNode } from 'react';
import { usePermission } from '@/components/auth/current-user';
import type { PointCapabilities } from '@/lib/agent-protocol/snapshots';
import type { SnapshotDto, VmSnapshotsDto } from '@/lib/domain/snapshots/dto';
import type { VmDto } from '@/lib/domain/vms/dto';
import { useDeleteSnapshot, useRevertSnapshot } from '@/lib/queries/snapshot-mutations';
import { CloneDialog } from './clone-dialog';
import { DeleteSnapshotDialog, RevertDialog } from './point-confirm-dialogs';
import { TakePointDialog } from './take-point-dialog';
import { useTaskWatch } from './use-task-watch';

export type PointDialog =
  { type: 'take'; memory: boolean } | { type: 'revert' | 'clone' | 'delete'; snapshot: SnapshotDto };

/**
 * Why each snapshot action is not possible now (null: it is): the user's role, the agent's
 * capability answer with its reason, or the VM being busy with a task.
 */
export function usePointReasons(vm: VmDto, data: VmSnapshotsDto | undefined) {
  const perm = usePermission('snapshot.manage');
  const caps = data?.capabilities;
  const busy = vm.activeTaskId ? 'The VM is busy with a task; wait for it to end' : null;
  const cap = (key: keyof PointCapabilities): string | null => {
    if (perm.reason) return perm.reason;
    if (!data) return 'Loading what this VM supports…';
    if (!caps) return data.capabilitiesError ?? 'The VM’s host cannot be asked now';
    return caps[key].ok ? busy : (caps[key].reason ?? 'Not supported');
  };
  return {
    take: (memory: boolean) => cap(memory ? 'memory' : 'disk'),
    revert: cap('revert'),
    clone: cap('clone'),
    remove: perm.reason ?? busy,
  };
}

/**
 * The snapshot dialogs of one VM, opened by the tree and by the timeline; each started task is followed with toasts.
 */
export function usePointDialogs(vm: VmDto): {
  open: (d: PointDialog) => void;
  watch: (taskId: string, what: string) => void;
  node: ReactNode;
} {
  const { watch, watchers } = useTaskWatch();
  const [dialog, setDialog] = useState<PointDialog | null>(null);
  const revert = useRevertSnapshot(vm.id);
  const remove = useDeleteSnapshot(vm.id);
  const close = () => setDialog(null);
  const running = vm.state === 'running';

  const node = (
    <>
      {watchers}
      {dialog?.type === 'take' && (
        <TakePointDialog
          vmId={vm.id}
          vmName={vm.name}
          memory={dialog.memory}
          onClose={close}
          onAccepted={(taskId, name) =>
            watch(taskId, `${dialog.memory ? 'Checkpoint' : 'Snapshot'} “${name}” of ${vm.name}`)
          }
        />
      )}
      {dialog?.type === 'revert' && (
        <RevertDialog
          snapshot={dialog.snapshot}
          vmName={vm.name}
          vmRunning={running}
          pending={revert.isPending}
          onCancel={close}
          onConfirm={() =>
            revert.mutate(dialog.snapshot.id, {
              onSuccess: ({ taskId }) => watch(taskId, `Revert of ${vm.name} to “${dialog.snapshot.name}”`),
              onSettled: close,
            })
          }
        />
      )}
      {dialog?.type === 'delete' && (
        <DeleteSnapshotDialog
          snapshot={dialog.snapshot}
          vmName={vm.name}
          pending={remove.isPending}
          onCancel={close}
          onConfirm={() =>
            remove.mutate(dialog.snapshot.id, {
              onSuccess: ({ taskId }) => watch(taskId, `Deletion of “${dialog.snapshot.name}”`),
              onSettled: close,
            })
          }
        />
      )}
      {dialog?.type === 'clone' && (
        <CloneDialog vmId={vm.id} vmName={vm.name} snapshot={dialog.snapshot} onClose={close} />
      )}
    </>
  );
  return { open: setDialog, watch, node };
}
