'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { PlusIcon } from '@/components/ui/icons';
import { ImportImageDialog } from './import-image-dialog';

export function ImportImageButton({ label = 'Import image' }: { label?: string }) {
  const { allowed, reason } = usePermission('image.import');
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="primary" icon={<PlusIcon />} disabled={!allowed} disabledReason={reason} onClick={() => setOpen(true)}>
        {label}
      </Button>
      {open && <ImportImageDialog onClose={() => setOpen(false)} />}
    </>
  );
}
