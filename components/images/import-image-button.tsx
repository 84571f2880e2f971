'use client';
import { PermittedDialogButton } from '@/components/auth/permitted-dialog-button';
import { ImportImageDialog } from './import-image-dialog';

export function ImportImageButton({ label = 'Import image' }: { label?: string }) {
  return (
    <PermittedDialogButton
      action="image.import"
      label={label}
      dialog={(onClose) => <ImportImageDialog onClose={onClose} />}
    />
  );
}
