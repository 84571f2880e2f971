import type { Metadata } from 'next';
import { HaPage } from '@/components/ha/ha-page';

export const metadata: Metadata = { title: 'High availability' };

export default function HighAvailabilityPage() {
  return <HaPage />;
}
