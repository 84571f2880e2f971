import { usageTone } from '@/components/ui/progress-bar';
import { cx } from '@/lib/cx';
import { formatPercent } from '@/lib/format';

const FILL = {
  green: 'bg-emerald-500',
  amber: 'bg-amber-500',
  red: 'bg-red-500',
  accent: 'bg-accent-500',
  blue: 'bg-sky-500',
  gray: 'bg-slate-400',
} as const;

/**
 * One usage figure before and after a change, as two thin stacked bars (before faded, after
 * solid) with "40% → 55%"; an optional threshold is drawn as a tick. Percent values, 0..100+.
 */
export function BeforeAfterBar({
  label,
  before,
  after,
  threshold,
  detail,
  className,
  ...rest
}: {
  label: string;
  before: number;
  after: number;
  threshold?: number;
  detail?: string;
  className?: string;
  'data-testid'?: string;
}) {
  const delta = after - before;
  return (
    <div
      className={cx('min-w-0', className)}
      role="group"
      aria-label={`${label}: ${formatPercent(before)} before, ${formatPercent(after)} after`}
      {...rest}
    >
      <div className="mb-1 flex items-baseline justify-between gap-2 text-xs">
        <span className="truncate text-slate-500">{label}</span>
        <span className="shrink-0 text-slate-800 tabular-nums">
          <span className="text-slate-500">{formatPercent(before, 0)}</span>
          <span aria-hidden="true" className="px-1 text-slate-400">
            →
          </span>
          <span className="font-semibold">{formatPercent(after, 0)}</span>
          {Math.abs(delta) >= 0.5 && (
            <span className={cx('ml-1', delta > 0 ? 'text-amber-700' : 'text-emerald-700')}>
              ({delta > 0 ? '+' : ''}
              {Math.round(delta)})
            </span>
          )}
        </span>
      </div>
      <div className="relative space-y-0.5">
        <Bar pct={before} faded />
        <Bar pct={after} />
        {threshold !== undefined && (
          <span
            aria-hidden="true"
            title={`Threshold ${formatPercent(threshold, 0)}`}
            className="absolute -top-0.5 -bottom-0.5 w-px bg-slate-700"
            style={{ left: `${Math.min(100, threshold)}%` }}
          />
        )}
      </div>
      {detail && <p className="mt-0.5 truncate text-[11px] text-slate-500 tabular-nums">{detail}</p>}
    </div>
  );
}

function Bar({ pct, faded }: { pct: number; faded?: boolean }) {
  const ratio = Math.min(1, Math.max(0, pct / 100));
  return (
    <div className="h-1.5 w-full overflow-hidden rounded-full bg-slate-200/80">
      <div
        className={cx('h-full rounded-full', FILL[usageTone(ratio)], faded && 'opacity-35')}
        style={{ width: `${ratio * 100}%` }}
      />
    </div>
  );
}
