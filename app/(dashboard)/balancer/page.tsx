import type { Metadata } from 'next';
import { BalancerPage } from '@/components/balancer/balancer-page';

export const metadata: Metadata = { title: 'Load balancer' };

export default function LoadBalancerPage() {
  return <BalancerPage />;
}
