'use client';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { TaskProgress } from '@/components/tasks/task-progress';
import { TextField } from '@/components/ui/form-field';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import type { SnapshotDto } from '@/lib/domain/snapshots/dto';
import { cloneSnapshotSchema } from '@/lib/domain/snapshots/schemas';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useCloneSnapshot } from '@/lib/queries/snapshot-mutations';
import type { VmCreateAccepted } from '@/lib/queries/vm-mutations';

const FORM_ID = 'clone-form';

/** A new VM whose disk sits on the snapshot's layer (copy-on-write, nothing copied); then its creation live. */
export function CloneDialog({
  vmId,
  vmName,
  snapshot,
  onClose,
}: {
  vmId: string;
  vmName: string;
  snapshot: SnapshotDto;
  onClose: () => void;
}) {
  const router = useRouter();
  const clone = useCloneSnapshot(vmId);
  const form = useSchemaForm(cloneSnapshotSchema);
  const [name, setName] = useState(`${vmName}-clone`.slice(0, 40));
  const [start, setStart] = useState(true);
  const [accepted, setAccepted] = useState<VmCreateAccepted | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({ name: name.trim(), start });
    if (!input) return;
    clone.mutate(
      { snapshotId: snapshot.id, input },
      { onSuccess: setAccepted, onError: (err) => form.applyServerError(err) },
    );
  }

  return (
    <FormStepDialog
      onClose={onClose}
      title={`Linked clone of “${snapshot.name}”`}
      description={
        accepted
          ? 'The clone is created as a task; you can close this and follow it on its page.'
          : `A new VM from ${vmName} as it was at this point.`
      }
      formId={FORM_ID}
      submitLabel="Create clone"
      pending={clone.isPending}
      done={accepted !== null}
      againLabel={`Open ${name.trim()}`}
      onAgain={() => accepted && router.push(`/vms/${accepted.vmId}`)}
    >
      {accepted ? (
        <div data-testid="clone-accepted">
          <TaskProgress taskId={accepted.taskId} />
        </div>
      ) : (
        <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
          {form.errors._form && (
            <p role="alert" className="text-sm text-red-700">
              {form.errors._form}
            </p>
          )}
          <TextField
            label="New VM name"
            name="name"
            value={name}
            error={form.errors.name}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            hint="Lowercase letters, digits and dashes"
            onChange={(e) => {
              setName(e.target.value);
              form.clearError('name');
            }}
          />
          <label className="flex items-start gap-2.5">
            <input
              type="checkbox"
              checked={start}
              onChange={(e) => setStart(e.target.checked)}
              className="mt-0.5 size-4 accent-accent-600"
            />
            <span>
              <span className="block text-sm font-medium text-slate-800">Start it once created</span>
              <span className="block text-xs text-slate-500">
                The clone boots from the disk
                {snapshot.kind === 'checkpoint'
                  ? '; the checkpoint’s memory is not used (two running copies of one memory image would share their identity)'
                  : ''}
                .
              </span>
            </span>
          </label>
          <p className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600">
            No data is copied: the clone reads {snapshot.name}’s layer and writes to a disk of its own, on the same host
            and pool. While it depends on the layer, “{snapshot.name}” cannot be deleted; make the clone independent
            from its page first.
          </p>
        </form>
      )}
    </FormStepDialog>
  );
}
