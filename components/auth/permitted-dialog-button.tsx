'use client';
import { useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { PlusIcon } from '@/components/ui/icons';
import type { Action } from '@/lib/auth/permissions';
import { usePermission } from './current-user';

/**
 * A primary "+" button that opens a dialog, disabled with the reason as tooltip when the user may
 * not do `action`. The dialog mounts only while open, so each opening starts from a blank form.
 */
export function PermittedDialogButton({
  action,
  label,
  dialog,
}: {
  action: Action;
  label: string;
  dialog: (onClose: () => void) => ReactNode;
}) {
  const { allowed, reason } = usePermission(action);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        variant="primary"
        icon={<PlusIcon />}
        disabled={!allowed}
        disabledReason={reason}
        onClick={() => setOpen(true)}
      >
        {label}
      </Button>
      {open && dialog(() => setOpen(false))}
    </>
  );
}
