import type { Metadata } from 'next';
import { CheckpointsPage } from '@/components/snapshots/checkpoints-page';

export const metadata: Metadata = { title: 'Checkpoints' };

export default function CheckpointsRoute() {
  return <CheckpointsPage />;
}
