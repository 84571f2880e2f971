import { Badge } from '@/components/ui/badge';
import type { BalancerMode, RecommendationState } from '@/lib/domain/balancer/dto';
import { StateBadge } from '@/components/ui/badge';

export const MODE_TEXT: Record<BalancerMode, { label: string; description: string }> = {
  off: { label: 'Off', description: 'No scheduled runs. "Run now" still shows what it would do.' },
  recommend: {
    label: 'Recommend only',
    description: 'Runs on the interval and lists moves; an operator applies them.',
  },
  automatic: { label: 'Automatic', description: 'Runs on the interval and live-migrates VMs by itself.' },
};

export function ModeBadge({ mode }: { mode: BalancerMode }) {
  return (
    <Badge
      tone={mode === 'automatic' ? 'green' : mode === 'recommend' ? 'accent' : 'gray'}
      dot
      data-testid="balancer-mode"
    >
      {MODE_TEXT[mode].label}
    </Badge>
  );
}

const REC_LABEL: Record<RecommendationState, string> = {
  pending: 'Pending',
  applied: 'Applied',
  dismissed: 'Dismissed',
  expired: 'Expired',
  failed: 'Failed',
};

export function RecommendationStateBadge({ state }: { state: RecommendationState }) {
  return (
    <StateBadge
      state={state}
      tone={state === 'pending' ? 'amber' : state === 'applied' ? 'green' : undefined}
      label={REC_LABEL[state]}
    />
  );
}

/** Imbalance is a spread of normalized host load (0 = perfectly even); shown ×100 to read like points. */
export function formatImbalance(v: number): string {
  return (v * 100).toFixed(1);
}
