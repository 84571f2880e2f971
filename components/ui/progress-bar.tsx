import { cx } from '@/lib/cx';

type BarTone = 'accent' | 'green' | 'amber' | 'red' | 'blue' | 'gray';
const FILL: Record<BarTone, string> = {
  accent: 'bg-accent-500',
  green: 'bg-emerald-500',
  amber: 'bg-amber-500',
  red: 'bg-red-500',
  blue: 'bg-sky-500',
  gray: 'bg-slate-400',
};

/** Tone for a usage ratio: green, then amber past 75 %, red past 90 %. */
export function usageTone(ratio: number): BarTone {
  return ratio >= 0.9 ? 'red' : ratio >= 0.75 ? 'amber' : 'green';
}

export function ProgressBar({
  value,
  label,
  tone = 'accent',
  size = 'md',
  valueText,
  striped,
  className,
  ...rest
}: {
  value: number; // 0..1
  label: string; // accessible name
  tone?: BarTone;
  size?: 'sm' | 'md';
  valueText?: string;
  striped?: boolean; // animated, for work in progress
  className?: string;
  'data-testid'?: string;
}) {
  const ratio = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const pct = Math.round(ratio * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-valuetext={valueText ?? `${pct}%`}
      className={cx('w-full overflow-hidden rounded-full bg-slate-200/80', size === 'sm' ? 'h-1.5' : 'h-2', className)}
      {...rest}
    >
      <div
        className={cx(
          'h-full rounded-full transition-[width] duration-500 ease-out',
          FILL[tone],
          striped && 'progress-striped',
        )}
        style={{ width: `${pct}%` }}
      />
    </div>
  );
}
