import type { Metadata } from 'next';
import { BackupsOverview } from '@/components/backups/backups-overview';

export const metadata: Metadata = { title: 'Backups' };

export default function BackupsPage() {
  return <BackupsOverview />;
}
