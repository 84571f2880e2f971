import type { Metadata } from 'next';
import { ClusterMigrations } from '@/components/migrations/cluster-migrations';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Migrations' };

export default function MigrationsPage() {
  return (
    <>
      <PageHeader
        title="Migrations"
        description="Live migrations across the cluster: manual, load balancer, maintenance and failover."
      />
      <ClusterMigrations />
    </>
  );
}
