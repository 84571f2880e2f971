import type { Metadata } from 'next';
import { AuditTable } from '@/components/audit/audit-table';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Audit log' };

export default function AuditPage() {
  return (
    <>
      <PageHeader title="Audit log" description="Who did what, when, and whether it was allowed. Newest first." />
      <AuditTable />
    </>
  );
}
