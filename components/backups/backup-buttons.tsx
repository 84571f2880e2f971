'use client';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { PlusIcon } from '@/components/ui/icons';
import type { Action } from '@/lib/auth/permissions';

export type BackupDialog = 'repository' | 'job' | null;

/**
 * A "+" button that asks the page to open a dialog. The page owns the dialog so it outlives the
 * empty state the button sat in (which goes away as soon as the first repository or job exists).
 */
export function OpenDialogButton({ action, label, onOpen }: { action: Action; label: string; onOpen: () => void }) {
  const { allowed, reason } = usePermission(action);
  return (
    <Button variant="primary" icon={<PlusIcon />} disabled={!allowed} disabledReason={reason} onClick={onOpen}>
      {label}
    </Button>
  );
}
