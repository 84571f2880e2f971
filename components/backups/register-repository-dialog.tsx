'use client';
import { useState, type FormEvent } from 'react';
import { HostSelect } from '@/components/hosts/host-select';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import { SelectField, TextField } from '@/components/ui/form-field';
import type { BackupRepositoryDto } from '@/lib/domain/backups/dto';
import { createRepositorySchema } from '@/lib/domain/backups/schemas';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { formatBytes } from '@/lib/format';
import { useRegisterRepository } from '@/lib/queries/backup-mutations';
import { RepositoryStatusBadge } from './backup-bits';

const FORM_ID = 'register-repository-form';
const EMPTY = { name: '', kind: 'shared' as 'shared' | 'host', hostId: 'auto', path: '', create: true };

export function RegisterRepositoryDialog({ onClose }: { onClose: () => void }) {
  const register = useRegisterRepository();
  const form = useSchemaForm(createRepositorySchema);
  const [v, setV] = useState(EMPTY);
  const [saved, setSaved] = useState<BackupRepositoryDto | null>(null);
  const set = <K extends keyof typeof EMPTY>(k: K, value: (typeof EMPTY)[K]) => {
    setV((p) => ({ ...p, [k]: value }));
    form.clearError(k);
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({
      name: v.name,
      kind: v.kind,
      hostId: v.kind === 'host' && v.hostId !== 'auto' ? v.hostId : null,
      path: v.path,
      create: v.create,
    });
    if (!input) return;
    register.mutate(input, { onSuccess: setSaved, onError: (err) => form.applyServerError(err) });
  }

  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title="Register a backup repository"
      description="A directory restore points are written to. Shared storage is reachable from every host, so any VM can be backed up there and restored anywhere."
      formId={FORM_ID}
      submitLabel="Register"
      pending={register.isPending}
      done={saved !== null}
      againLabel="Register another"
      onAgain={() => {
        setSaved(null);
        setV(EMPTY);
      }}
    >
      {saved ? (
        <div className="flex items-center gap-3 text-sm" data-testid="repository-registered">
          <RepositoryStatusBadge status={saved.status} />
          <span>
            <span className="font-medium text-slate-900">{saved.name}</span> registered at{' '}
            <span className="font-mono text-xs">{saved.path}</span>: {formatBytes(saved.freeBytes)} free of{' '}
            {formatBytes(saved.totalBytes)}.
          </span>
        </div>
      ) : (
        <form id={FORM_ID} onSubmit={onSubmit} noValidate className="grid grid-cols-2 gap-x-4 gap-y-3.5">
          {form.errors._form && (
            <p role="alert" className="col-span-2 text-sm text-red-700">
              {form.errors._form}
            </p>
          )}
          <TextField
            label="Name"
            name="name"
            value={v.name}
            error={form.errors.name}
            autoFocus
            autoComplete="off"
            placeholder="nas-backups"
            onChange={(e) => set('name', e.target.value)}
          />
          <SelectField
            label="Where"
            name="kind"
            value={v.kind}
            error={form.errors.kind}
            onChange={(e) => set('kind', e.target.value as 'shared' | 'host')}
          >
            <option value="shared">Shared storage (every host)</option>
            <option value="host">One host&apos;s disk</option>
          </SelectField>
          <TextField
            label="Directory"
            name="path"
            value={v.path}
            error={form.errors.path}
            spellCheck={false}
            className="col-span-2"
            placeholder="/srv/shared/backups"
            hint="An absolute path as the hosts see it: not a system directory, and apart from VM pools, images, agent data and other repositories"
            onChange={(e) => set('path', e.target.value)}
          />
          {v.kind === 'host' && (
            <HostSelect
              label="Host"
              autoLabel="Choose a host…"
              value={v.hostId}
              error={form.errors.hostId}
              hint="Only this host's VMs can be backed up here"
              onChange={(id) => set('hostId', id)}
            />
          )}
          <label className="col-span-2 flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              checked={v.create}
              onChange={(e) => set('create', e.target.checked)}
              className="size-4 accent-accent-600"
            />
            Create the directory if it does not exist
          </label>
        </form>
      )}
    </FormStepDialog>
  );
}
