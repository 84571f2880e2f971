import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { CreateVmForm } from '@/components/vms/create-vm-form';

export const metadata: Metadata = { title: 'Create VM' };

export default async function NewVmPage({ searchParams }: { searchParams: Promise<{ hostId?: string | string[] }> }) {
  const { hostId } = await searchParams;
  return (
    <>
      <PageHeader
        title="New virtual machine"
        description="The VM boots from a copy-on-write disk on top of a ready image; its progress shows on the VM's page."
      />
      <CreateVmForm initialHostId={typeof hostId === 'string' ? hostId : undefined} />
    </>
  );
}
