import type { Metadata } from 'next';
import { DrPage } from '@/components/dr/dr-page';

export const metadata: Metadata = { title: 'Disaster recovery' };

export default function DisasterRecoveryPage() {
  return <DrPage />;
}
