'use client';
import { useState, type FormEvent } from 'react';
import { useToast } from '@/components/ui/toast';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import { SelectField, TextField } from '@/components/ui/form-field';
import { ROLES } from '@/lib/domain/auth/dto';
import type { UserWithPasswordDto } from '@/lib/domain/users/dto';
import { createUserSchema } from '@/lib/domain/users/schemas';
import { blankToUndefined } from '@/lib/forms/field-errors';
import { useTextFields } from '@/lib/forms/text-fields';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useCreateUser } from '@/lib/queries/user-mutations';
import { PasswordOnce } from './password-once';

const FORM_ID = 'create-user-form';
const EMPTY = { username: '', name: '', role: 'viewer', password: '' };

/** The form, then the password (typed or generated) shown once. */
export function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const create = useCreateUser();
  const form = useSchemaForm(createUserSchema);
  const { toast } = useToast();
  const { values: v, setValues: setV, field } = useTextFields(EMPTY, form);
  const [created, setCreated] = useState<UserWithPasswordDto | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate(blankToUndefined(v, ['name', 'password']));
    if (!input) return;
    create.mutate(input, {
      onSuccess: (out) => {
        setCreated(out);
        toast({ tone: 'success', title: `User ${out.user.username} created` });
      },
      onError: (err) => form.applyServerError(err),
    });
  }

  return (
    <FormStepDialog
      onClose={onClose}
      title="Add user"
      description={created ? undefined : 'Leave the password empty to have one generated.'}
      formId={FORM_ID}
      submitLabel="Create user"
      pending={create.isPending}
      done={created !== null}
      againLabel="Add another"
      onAgain={() => {
        setCreated(null);
        setV(EMPTY);
      }}
    >
      {created ? (
        <PasswordOnce result={created} />
      ) : (
        <form id={FORM_ID} onSubmit={onSubmit} noValidate className="grid grid-cols-2 gap-x-4 gap-y-3.5">
          <TextField label="Username" {...field('username')} autoComplete="off" spellCheck={false} autoFocus />
          <TextField label="Display name (optional)" {...field('name')} autoComplete="off" />
          <SelectField label="Role" {...field('role')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Password (optional)"
            type="password"
            {...field('password')}
            autoComplete="new-password"
            hint="At least 10 characters"
          />
        </form>
      )}
    </FormStepDialog>
  );
}
