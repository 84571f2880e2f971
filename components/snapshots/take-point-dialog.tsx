'use client';
import type { FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { TextAreaField, TextField } from '@/components/ui/form-field';
import { takeSnapshotSchema } from '@/lib/domain/snapshots/schemas';
import { useTextFields } from '@/lib/forms/text-fields';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { formatDateTime } from '@/lib/format';
import { useTakeSnapshot } from '@/lib/queries/snapshot-mutations';

const FORM_ID = 'take-point-form';

const TEXT = {
  snapshot: {
    title: 'Take a snapshot',
    what: 'The disk is frozen as it is now (a new qcow2 layer, taken live: the VM keeps running, nothing is copied). Reverting to it later puts the disk back; a running VM is then restarted on it, like after a power cut.',
    submit: 'Take snapshot',
  },
  checkpoint: {
    title: 'Take a checkpoint with memory',
    what: 'The disk is frozen and the memory, CPU and device state are saved beside it. The VM pauses for a few milliseconds and keeps running while its memory is written. Reverting brings it back exactly as it was: running programs carry on from that instant.',
    submit: 'Take checkpoint',
  },
} as const;

/** Name and describe a snapshot (disk) or a checkpoint (disk + memory) of one VM, then start it as a task. */
export function TakePointDialog({
  vmId,
  vmName,
  memory,
  onClose,
  onAccepted,
}: {
  vmId: string;
  vmName: string;
  memory: boolean;
  onClose: () => void;
  onAccepted: (taskId: string, name: string) => void;
}) {
  const kind = memory ? 'checkpoint' : 'snapshot';
  const take = useTakeSnapshot(vmId);
  const form = useSchemaForm(takeSnapshotSchema);
  const { values, field } = useTextFields(
    { name: `${kind} ${formatDateTime(Date.now()).slice(0, 16)}`, description: '' },
    form,
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({ name: values.name, description: values.description.trim() || undefined, memory });
    if (!input) return;
    take.mutate(input, {
      onSuccess: ({ taskId }) => {
        onAccepted(taskId, input.name);
        onClose();
      },
      onError: (err) => form.applyServerError(err),
    });
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={TEXT[kind].title}
      description={`Of ${vmName}.`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={FORM_ID} variant="primary" loading={take.isPending}>
            {TEXT[kind].submit}
          </Button>
        </>
      }
    >
      <form id={FORM_ID} onSubmit={onSubmit} noValidate className="space-y-4">
        {form.errors._form && (
          <p role="alert" className="text-sm text-red-700">
            {form.errors._form}
          </p>
        )}
        <p className="text-sm text-slate-600">{TEXT[kind].what}</p>
        <TextField label="Name" autoFocus autoComplete="off" {...field('name')} />
        <TextAreaField
          label="Description"
          hint="Optional: why you took it, e.g. before the kernel upgrade"
          {...field('description')}
        />
      </form>
    </Dialog>
  );
}
