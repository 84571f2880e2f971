'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { HostSelect } from '@/components/hosts/host-select';
import { TextAreaField, TextField } from '@/components/ui/form-field';
import { importImageSchema } from '@/lib/domain/images/schemas';
import { blankToUndefined } from '@/lib/forms/field-errors';
import { numberInput } from '@/lib/forms/number-input';
import { useTextFields } from '@/lib/forms/text-fields';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useImportImage } from '@/lib/queries/image-mutations';
import { ImportLocations } from './import-locations';

const OPTIONAL = ['kernel', 'initrd', 'append', 'sha256', 'site'] as const;
const EMPTY = {
  name: '',
  version: '',
  description: '',
  disk: '',
  kernel: '',
  initrd: '',
  append: '',
  sha256: '',
  minMemoryMiB: '',
  hostId: 'auto',
  site: '',
};
type Values = typeof EMPTY;

export function ImportImageForm({
  id,
  onAccepted,
  onPendingChange,
}: {
  id: string;
  onAccepted: (taskId: string) => void;
  onPendingChange: (pending: boolean) => void;
}) {
  const importImage = useImportImage();
  const form = useSchemaForm(importImageSchema);
  const { values: v, field } = useTextFields<Values>(EMPTY, form);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  useEffect(() => onPendingChange(importImage.isPending), [importImage.isPending, onPendingChange]);
  const advancedError = Boolean(form.errors.kernel || form.errors.initrd || form.errors.append);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const { minMemoryMiB, ...rest } = v;
    const input = form.validate({
      ...blankToUndefined(rest, OPTIONAL),
      minMemoryMiB: minMemoryMiB.trim() ? numberInput(minMemoryMiB) : undefined,
    });
    if (!input) return;
    importImage.mutate(input, {
      onSuccess: ({ taskId }) => onAccepted(taskId),
      onError: (err) => form.applyServerError(err),
    });
  }

  return (
    <form id={id} onSubmit={onSubmit} noValidate className="grid grid-cols-2 gap-x-4 gap-y-3.5">
      {form.errors._form && (
        <p role="alert" className="col-span-2 text-sm text-red-700">
          {form.errors._form}
        </p>
      )}
      <TextField
        label="Name"
        {...field('name')}
        placeholder="tiny-linux"
        autoComplete="off"
        spellCheck={false}
        autoFocus
      />
      <TextField label="Version" {...field('version')} placeholder="1.0" autoComplete="off" spellCheck={false} />
      <TextAreaField label="Description" {...field('description')} className="col-span-2" />
      <ImportLocations hostId={v.hostId} />
      <TextField
        label="Disk source"
        {...field('disk')}
        className="col-span-2"
        spellCheck={false}
        placeholder="/srv/images/disk.qcow2 or https://example.org/disk.qcow2"
        hint="A path or http(s) URL inside the fetching host's allowed import locations (above)"
      />
      <TextField
        label="Expected SHA-256 (optional)"
        {...field('sha256')}
        className="col-span-2"
        spellCheck={false}
        placeholder="64 hex characters"
        hint="The import fails if the downloaded disk does not match"
      />
      <HostSelect
        label="Fetch on host"
        autoLabel="Automatic (any online host)"
        value={v.hostId}
        onChange={(hostId) => field('hostId').onChange({ target: { value: hostId } })}
        error={form.errors.hostId}
      />
      <TextField
        label="Minimum memory (MiB, optional)"
        {...field('minMemoryMiB')}
        type="number"
        min={16}
        step={16}
        placeholder="96"
        hint="VMs of this image are refused with less memory"
      />
      <TextField
        label="Site (optional)"
        {...field('site')}
        className="col-span-2"
        placeholder="main"
        autoComplete="off"
        spellCheck={false}
        hint="Whose image repository receives it; its VMs are placed in that site. Blank: the chosen host's site, or main"
      />
      <details
        open={advancedOpen || advancedError}
        onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
        className="col-span-2 rounded-md border border-slate-200 px-3 py-2 open:pb-3"
      >
        <summary className="cursor-pointer text-xs font-medium text-slate-700">Direct kernel boot (optional)</summary>
        <div className="mt-3 grid grid-cols-2 gap-x-4 gap-y-3.5">
          <TextField label="Kernel" {...field('kernel')} placeholder="/srv/images/vmlinuz" spellCheck={false} />
          <TextField label="Initrd" {...field('initrd')} placeholder="/srv/images/initrd.img" spellCheck={false} />
          <TextField
            label="Kernel command line"
            {...field('append')}
            className="col-span-2"
            placeholder="console=ttyS0"
            spellCheck={false}
          />
        </div>
      </details>
    </form>
  );
}
