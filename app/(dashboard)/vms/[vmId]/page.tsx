import type { Metadata } from 'next';
import { VmDetail } from '@/components/vms/vm-detail';

export const metadata: Metadata = { title: 'Virtual machine' };

export default async function VmPage({ params }: { params: Promise<{ vmId: string }> }) {
  const { vmId } = await params;
  return <VmDetail vmId={vmId} />;
}
