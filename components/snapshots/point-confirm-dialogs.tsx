'use client';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { SnapshotDto } from '@/lib/domain/snapshots/dto';
import { formatDateTime } from '@/lib/format';

type Props = {
  snapshot: SnapshotDto;
  vmName: string;
  vmRunning: boolean;
  pending: boolean;
  onCancel: () => void;
  onConfirm: () => void;
};

/** What a revert does, in words: a checkpoint resumes exactly, a disk snapshot restarts a running VM. */
export function RevertDialog({ snapshot: s, vmName, vmRunning, pending, onCancel, onConfirm }: Props) {
  const when = formatDateTime(s.createdAt);
  return (
    <ConfirmDialog
      open
      tone="danger"
      pending={pending}
      onCancel={onCancel}
      onConfirm={onConfirm}
      title={`Revert ${vmName} to “${s.name}”?`}
      confirmLabel={`Revert ${vmName}`}
      description={
        <div className="space-y-2" data-testid="revert-explained">
          {s.kind === 'checkpoint' ? (
            <p>
              <strong className="text-slate-800">A checkpoint with memory:</strong> {vmName} comes back exactly as it
              was at {when}: memory, CPU and devices are restored and it{' '}
              {s.wasRunning ? 'carries on running from that instant, without a reboot' : 'is paused at that instant'}.
            </p>
          ) : vmRunning ? (
            <p>
              <strong className="text-slate-800">A disk snapshot:</strong> the disk goes back to {when}. {vmName} is
              running, so it is stopped and started again on that disk: it boots, like after a power cut (memory is not
              part of a snapshot).
            </p>
          ) : (
            <p>
              <strong className="text-slate-800">A disk snapshot:</strong> the disk goes back to {when}; {vmName} stays
              stopped.
            </p>
          )}
          <p>
            Everything written since is discarded; take a snapshot first to keep it. The other snapshots stay; the VM
            continues on a new branch.
          </p>
        </div>
      }
    />
  );
}

export function DeleteSnapshotDialog({ snapshot: s, vmName, pending, onCancel, onConfirm }: Omit<Props, 'vmRunning'>) {
  return (
    <ConfirmDialog
      open
      tone="danger"
      pending={pending}
      onCancel={onCancel}
      onConfirm={onConfirm}
      title={`Delete ${s.kind === 'checkpoint' ? 'checkpoint' : 'snapshot'} “${s.name}”?`}
      confirmLabel="Delete"
      description={
        <p>
          Its disk layer is merged into the next one, so {vmName} and every other point keep their data; {vmName} keeps
          running meanwhile.
          {s.kind === 'checkpoint' && ' Its saved memory is deleted with it.'} You can no longer go back to{' '}
          {formatDateTime(s.createdAt)}.
        </p>
      }
    />
  );
}
