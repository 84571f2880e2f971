import type { Metadata } from 'next';
import { AddUserButton } from '@/components/users/add-user-button';
import { UsersNotice } from '@/components/users/users-notice';
import { UsersTable } from '@/components/users/users-table';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Users' };

export default function UsersPage() {
  return (
    <>
      <PageHeader title="Users" description="Who can sign in, and with which role." actions={<AddUserButton />} />
      <UsersNotice />
      <UsersTable />
    </>
  );
}
