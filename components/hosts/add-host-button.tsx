'use client';
import { PermittedDialogButton } from '@/components/auth/permitted-dialog-button';
import { AddHostDialog } from './add-host-dialog';

export function AddHostButton({ label = 'Add host' }: { label?: string }) {
  return (
    <PermittedDialogButton
      action="host.manage"
      label={label}
      dialog={(onClose) => <AddHostDialog onClose={onClose} />}
    />
  );
}
