import type { Metadata } from 'next';
import { RestorePointsList } from '@/components/restores/restore-points-list';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Restore points' };

export default function RestorePointsPage() {
  return (
    <>
      <PageHeader
        title="Restore points"
        description="Every backup point in the cluster, also of VMs since deleted. Restore one from its VM's page."
      />
      <RestorePointsList />
    </>
  );
}
