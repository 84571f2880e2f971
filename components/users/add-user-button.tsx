'use client';
import { PermittedDialogButton } from '@/components/auth/permitted-dialog-button';
import { CreateUserDialog } from './create-user-dialog';

export function AddUserButton() {
  return (
    <PermittedDialogButton
      action="user.manage"
      label="Add user"
      dialog={(onClose) => <CreateUserDialog onClose={onClose} />}
    />
  );
}
