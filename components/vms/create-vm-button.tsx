'use client';
import { usePermission } from '@/components/auth/current-user';
import { Button, ButtonLink } from '@/components/ui/button';
import { PlusIcon } from '@/components/ui/icons';

export function CreateVmButton({ hostId, label = 'Create VM' }: { hostId?: string; label?: string }) {
  const { allowed, reason } = usePermission('vm.create');
  if (!allowed)
    return (
      <Button variant="primary" icon={<PlusIcon />} disabled disabledReason={reason}>
        {label}
      </Button>
    );
  return (
    <ButtonLink variant="primary" href={hostId ? `/vms/new?hostId=${encodeURIComponent(hostId)}` : '/vms/new'}>
      <PlusIcon /> {label}
    </ButtonLink>
  );
}
