import type { ReactNode } from 'react';
import { cx } from '@/lib/cx';

export type Tone = 'green' | 'gray' | 'blue' | 'red' | 'amber' | 'accent';

const TONES: Record<Tone, { badge: string; dot: string }> = {
  green: { badge: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20', dot: 'bg-emerald-500' },
  gray: { badge: 'bg-slate-100 text-slate-600 ring-slate-500/20', dot: 'bg-slate-400' },
  blue: { badge: 'bg-sky-50 text-sky-700 ring-sky-600/20', dot: 'bg-sky-500' },
  red: { badge: 'bg-red-50 text-red-700 ring-red-600/20', dot: 'bg-red-500' },
  amber: { badge: 'bg-amber-50 text-amber-800 ring-amber-600/25', dot: 'bg-amber-500' },
  accent: { badge: 'bg-accent-50 text-accent-700 ring-accent-600/20', dot: 'bg-accent-500' },
};

// One palette for every state word in the product: VMs, hosts, tasks, images, audit results.
const STATE_TONES: Record<string, Tone> = {
  running: 'green',
  online: 'green',
  succeeded: 'green',
  ready: 'green',
  stopped: 'gray',
  cancelled: 'gray',
  queued: 'gray',
  provisioning: 'blue',
  migrating: 'blue',
  starting: 'blue',
  stopping: 'blue',
  deleting: 'blue',
  importing: 'blue',
  accepted: 'blue',
  error: 'red',
  failed: 'red',
  crashed: 'red',
  offline: 'red',
  paused: 'amber',
  maintenance: 'amber',
  denied: 'amber',
};
const TRANSITIONAL = new Set(['provisioning', 'migrating', 'starting', 'stopping', 'deleting', 'importing', 'queued']);

export function stateTone(state: string): Tone {
  return STATE_TONES[state] ?? 'gray';
}

export function Badge({
  tone = 'gray',
  dot,
  pulse,
  className,
  children,
  ...rest
}: {
  tone?: Tone;
  dot?: boolean;
  pulse?: boolean;
  className?: string;
  children: ReactNode;
  'data-testid'?: string;
  title?: string;
}) {
  return (
    <span
      className={cx(
        'inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset',
        TONES[tone].badge,
        className,
      )}
      {...rest}
    >
      {dot && (
        <span aria-hidden="true" className={cx('size-1.5 rounded-full', TONES[tone].dot, pulse && 'animate-pulse')} />
      )}
      {children}
    </span>
  );
}

export function StateBadge({
  state,
  tone,
  label,
  ...rest
}: {
  state: string;
  tone?: Tone;
  label?: string;
  'data-testid'?: string;
  title?: string;
}) {
  return (
    <Badge
      tone={tone ?? stateTone(state)}
      dot
      pulse={TRANSITIONAL.has(state) || tone === 'blue'}
      data-state={state}
      {...rest}
    >
      {label ?? state.charAt(0).toUpperCase() + state.slice(1).replace(/-/g, ' ')}
    </Badge>
  );
}
