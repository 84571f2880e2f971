import type { Metadata } from 'next';
import { AddHostButton } from '@/components/hosts/add-host-button';
import { HostsTable } from '@/components/hosts/hosts-table';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Hosts' };

export default function HostsPage() {
  return (
    <>
      <PageHeader
        title="Hosts"
        description="Machines running the vmops agent, their capacity and health."
        actions={<AddHostButton />}
      />
      <HostsTable />
    </>
  );
}
