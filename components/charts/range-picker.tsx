'use client';
import { METRIC_RANGES, type MetricRange } from '@/lib/domain/metrics/dto';
import { cx } from '@/lib/cx';

const RANGES = Object.keys(METRIC_RANGES) as MetricRange[];

export function RangePicker({
  value,
  onChange,
  label = 'Time range',
}: {
  value: MetricRange;
  onChange: (r: MetricRange) => void;
  label?: string;
}) {
  return (
    <div role="group" aria-label={label} className="inline-flex rounded-md border border-slate-200 bg-slate-50 p-0.5">
      {RANGES.map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={r === value}
          onClick={() => onChange(r)}
          className={cx(
            'rounded px-2 py-0.5 text-xs font-medium tabular-nums transition-colors',
            r === value
              ? 'bg-white text-slate-900 shadow-sm ring-1 ring-slate-200'
              : 'text-slate-500 hover:text-slate-800',
          )}
        >
          {r}
        </button>
      ))}
    </div>
  );
}
