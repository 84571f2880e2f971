'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import type { VmDto } from '@/lib/domain/vms/dto';
import { MigrateDialog } from './migrate-dialog';
import { migrateDisabledReason } from './migration-rules';

/** "Migrate" on the VM page: only a running VM with no task under way can move live. */
export function MigrateButton({ vm }: { vm: VmDto }) {
  const { reason } = usePermission('vm.migrate');
  const [open, setOpen] = useState(false);
  const why = migrateDisabledReason(vm, reason);
  return (
    <>
      <Button onClick={() => setOpen(true)} disabled={Boolean(why)} disabledReason={why} data-testid="migrate-button">
        Migrate
      </Button>
      {open && <MigrateDialog vm={vm} onClose={() => setOpen(false)} />}
    </>
  );
}
