import type { ReactNode } from 'react';
import { cx } from '@/lib/cx';

export function Stat({
  label,
  value,
  hint,
  className,
}: {
  label: ReactNode;
  value: ReactNode;
  hint?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cx('min-w-0', className)}>
      <dt className="truncate text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-0.5 truncate text-lg font-semibold text-slate-900 tabular-nums">{value}</dd>
      {hint && <dd className="truncate text-xs text-slate-500 tabular-nums">{hint}</dd>}
    </div>
  );
}
