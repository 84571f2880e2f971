import type { Metadata } from 'next';
import { Overview } from '@/components/overview/overview';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Overview' };

export default function OverviewPage() {
  return (
    <>
      <PageHeader title="Overview" description="Cluster health, load and recent activity." />
      <Overview />
    </>
  );
}
