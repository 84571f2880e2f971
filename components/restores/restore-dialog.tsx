'use client';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { HostSelect } from '@/components/hosts/host-select';
import { TaskProgress } from '@/components/tasks/task-progress';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import { TextField } from '@/components/ui/form-field';
import { failedVerifyState, type RestorePointDto } from '@/lib/domain/backups/dto';
import type { RestoreAcceptedDto, RestoreMode } from '@/lib/domain/restores/dto';
import { restoreRequestSchema } from '@/lib/domain/restores/schemas';
import type { VmDto } from '@/lib/domain/vms/dto';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { formatBytes, formatDateTime } from '@/lib/format';
import { useRestorePoint } from '@/lib/queries/backup-mutations';
import { TypeToConfirmField } from '@/components/ui/type-to-confirm-field';

const FORM_ID = 'restore-form';

/** Restore a point as a new VM, or put it back into this VM; then follow the restore task live. */
export function RestoreDialog({
  mode,
  vm,
  point,
  onClose,
}: {
  mode: RestoreMode;
  vm: VmDto;
  point: RestorePointDto;
  onClose: () => void;
}) {
  const router = useRouter();
  const restore = useRestorePoint(point.id);
  const form = useSchemaForm(restoreRequestSchema);
  const [name, setName] = useState(`${vm.name}-restore`.slice(0, 40));
  const [hostId, setHostId] = useState('auto');
  const [instant, setInstant] = useState(false);
  const [confirmName, setConfirmName] = useState('');
  const [accepted, setAccepted] = useState<RestoreAcceptedDto | null>(null);
  // A point whose last verification failed: restored only when the user ticks that they accept it.
  const failed = failedVerifyState(point.verifyState);
  const [acceptFailed, setAcceptFailed] = useState(false);
  const [acceptError, setAcceptError] = useState(false);
  const when = formatDateTime(point.takenAt);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const override = failed ? { acceptFailedVerification: acceptFailed } : {};
    const body =
      mode === 'new'
        ? { mode, name: name.trim(), hostId: hostId === 'auto' ? 'best' : hostId, instant, ...override }
        : { mode, instant: false, confirmName, ...override };
    const input = form.validate(body);
    setAcceptError(failed && !acceptFailed);
    if (!input || (failed && !acceptFailed)) return;
    restore.mutate(input, { onSuccess: setAccepted, onError: (err) => form.applyServerError(err) });
  }

  const title = mode === 'new' ? 'Restore as a new VM' : `Replace ${vm.name} with this restore point`;
  const description = accepted
    ? 'The restore runs as a task; you can close this and follow it on the task page.'
    : `Restore point of ${when} (${formatBytes(point.virtualSizeBytes)} disk).`;

  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title={title}
      description={description}
      formId={FORM_ID}
      submitLabel={mode === 'new' ? 'Restore' : `Replace ${vm.name}`}
      pending={restore.isPending}
      done={accepted !== null}
      againLabel={mode === 'new' ? `Open ${name.trim()}` : 'Open the task'}
      onAgain={() => accepted && router.push(mode === 'new' ? `/vms/${accepted.vmId}` : `/tasks/${accepted.taskId}`)}
    >
      {accepted ? (
        <div className="space-y-3" data-testid="restore-accepted">
          <TaskProgress taskId={accepted.taskId} />
          {mode === 'new' && instant && (
            <p className="text-xs text-slate-500">
              With instant recovery the VM runs from the backup within seconds; the copy into the pool continues in the
              background (the task shows how far it is).
            </p>
          )}
        </div>
      ) : (
        <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
          {form.errors._form && (
            <p role="alert" className="text-sm text-red-700">
              {form.errors._form}
            </p>
          )}
          {failed && (
            <div
              className="rounded-md border border-red-200 bg-red-50 px-3 py-2.5 text-sm text-red-900"
              data-testid="restore-failed-verification"
            >
              <p className="font-medium">
                This restore point failed its last {point.verifyState === 'boot-failed' ? 'boot check' : 'verification'}
                {point.verifiedAt ? ` (${formatDateTime(point.verifiedAt)})` : ''}.
              </p>
              {point.verifyMessage && <p className="mt-1 break-words text-red-800">{point.verifyMessage}</p>}
              <p className="mt-1 text-red-800">
                The restored disk may be damaged or may not boot. Prefer another point if there is one.
              </p>
              <label className="mt-2 flex items-start gap-2">
                <input
                  type="checkbox"
                  name="acceptFailedVerification"
                  checked={acceptFailed}
                  className="mt-0.5 size-4 accent-red-600"
                  onChange={(e) => {
                    setAcceptFailed(e.target.checked);
                    setAcceptError(false);
                  }}
                  aria-invalid={acceptError}
                />
                <span className="font-medium">I accept restoring from a point that failed verification</span>
              </label>
              {acceptError && (
                <p role="alert" className="mt-1 text-xs text-red-700">
                  Tick this to restore from this point anyway
                </p>
              )}
            </div>
          )}
          {mode === 'new' ? (
            <>
              <div className="grid grid-cols-2 gap-4">
                <TextField
                  label="New VM name"
                  name="name"
                  value={name}
                  error={form.errors.name}
                  autoFocus
                  autoComplete="off"
                  spellCheck={false}
                  onChange={(e) => {
                    setName(e.target.value);
                    form.clearError('name');
                  }}
                  hint="Lowercase letters, digits and dashes"
                />
                <HostSelect
                  label="Host"
                  autoLabel="Best host (most free memory)"
                  value={hostId}
                  error={form.errors.hostId}
                  onChange={(id) => {
                    setHostId(id);
                    form.clearError('hostId');
                  }}
                />
              </div>
              <p className="text-xs text-slate-500">
                The new VM gets the size {vm.name} had when backed up ({point.vmSpec.vcpus} vCPU,{' '}
                {point.vmSpec.memoryMiB} MiB) and a disk of its own; {vm.name} is not touched.
              </p>
              <label className="flex items-start gap-2.5 rounded-md border border-slate-200 p-3">
                <input
                  type="checkbox"
                  checked={instant}
                  onChange={(e) => setInstant(e.target.checked)}
                  className="mt-0.5 size-4 accent-accent-600"
                />
                <span>
                  <span className="block text-sm font-medium text-slate-800">Instant recovery</span>
                  <span className="block text-xs text-slate-500">
                    Start the VM at once on a new disk layered over the backup file, then copy the data into the pool in
                    the background while it runs. Blocks the guest reads are copied first. Usable within seconds
                    whatever the disk size; until the copy finishes the VM still reads from the backup repository, so
                    keep it reachable.
                  </span>
                </span>
              </label>
            </>
          ) : (
            <>
              <div className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2.5 text-sm text-amber-900">
                <p className="font-medium">
                  {vm.name} goes back to {when}.
                </p>
                <p className="mt-1 text-amber-800">
                  The VM is stopped and its disk is replaced by this restore point; everything written after {when} is
                  undone. The current disk is kept as a <strong>safety restore point</strong> until the restore has
                  succeeded, so a failed restore puts it back.
                </p>
              </div>
              <TypeToConfirmField
                word={vm.name}
                name="confirmName"
                value={confirmName}
                error={form.errors.confirmName}
                autoFocus
                onChange={(e) => {
                  setConfirmName(e.target.value);
                  form.clearError('confirmName');
                }}
              />
            </>
          )}
        </form>
      )}
    </FormStepDialog>
  );
}
