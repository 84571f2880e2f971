'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { TextField } from '@/components/ui/form-field';
import { enrollmentTokenSchema, type EnrollmentTokenDto } from '@/lib/domain/hosts/schemas';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useCreateEnrollmentToken } from '@/lib/queries/host-mutations';

export function AddHostForm({
  id,
  onCreated,
  onPendingChange,
}: {
  id: string;
  onCreated: (enrollment: EnrollmentTokenDto) => void;
  onPendingChange: (pending: boolean) => void;
}) {
  const createToken = useCreateEnrollmentToken();
  const form = useSchemaForm(enrollmentTokenSchema);
  const [hostName, setHostName] = useState('');
  useEffect(() => onPendingChange(createToken.isPending), [createToken.isPending, onPendingChange]);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({ hostName });
    if (!input) return;
    createToken.mutate(input, { onSuccess: onCreated, onError: (err) => form.applyServerError(err) });
  }

  return (
    <form id={id} onSubmit={onSubmit} noValidate className="grid gap-3.5">
      {form.errors._form && (
        <p role="alert" className="text-sm text-red-700">
          {form.errors._form}
        </p>
      )}
      <TextField
        label="Host name"
        name="hostName"
        value={hostName}
        error={form.errors.hostName}
        onChange={(e) => {
          setHostName(e.target.value);
          form.clearError('hostName');
        }}
        placeholder="h3"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        hint="The name the agent runs with: lowercase letters, digits and dashes. An enrolled host's name re-enrolls it."
      />
    </form>
  );
}
