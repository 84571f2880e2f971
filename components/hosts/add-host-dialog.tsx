'use client';
import { useState } from 'react';
import { FormStepDialog } from '@/components/ui/form-step-dialog';
import type { EnrollmentTokenDto } from '@/lib/domain/hosts/schemas';
import { AddHostForm } from './add-host-form';
import { EnrollmentInstructions } from './enrollment-instructions';

const FORM_ID = 'add-host-form';

/** The host name, then — once the server issued a token — how to start the new host's agent. */
export function AddHostDialog({ onClose }: { onClose: () => void }) {
  const [enrollment, setEnrollment] = useState<EnrollmentTokenDto | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <FormStepDialog
      onClose={onClose}
      size="lg"
      title="Add host"
      description={
        enrollment
          ? 'Start the vmops agent on the new host with this one-time token.'
          : 'Create a one-time enrollment token for a machine with QEMU; its agent trades it for its own secret.'
      }
      formId={FORM_ID}
      submitLabel="Create token"
      pending={pending}
      done={enrollment !== null}
      againLabel="Add another"
      onAgain={() => setEnrollment(null)}
    >
      {enrollment ? (
        <EnrollmentInstructions enrollment={enrollment} />
      ) : (
        <AddHostForm id={FORM_ID} onCreated={setEnrollment} onPendingChange={setPending} />
      )}
    </FormStepDialog>
  );
}
