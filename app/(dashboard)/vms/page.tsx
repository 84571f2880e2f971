import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { CreateVmButton } from '@/components/vms/create-vm-button';
import { VmsTable } from '@/components/vms/vms-table';

export const metadata: Metadata = { title: 'Virtual machines' };

export default function VmsPage() {
  return (
    <>
      <PageHeader title="Virtual machines" description="Every VM in the cluster, live." actions={<CreateVmButton />} />
      <VmsTable />
    </>
  );
}
