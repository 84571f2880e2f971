import { ProgressBar, usageTone } from '@/components/ui/progress-bar';
import { formatBytes, formatPercent } from '@/lib/format';

/** Label row ("Memory  3 GiB / 8 GiB") over a usage bar coloured by how full it is. */
export function UsageMeter({
  label,
  used,
  total,
  unit = 'bytes',
}: {
  label: string;
  used: number;
  total: number;
  unit?: 'bytes' | 'percent';
}) {
  const ratio = total > 0 ? used / total : 0;
  const text = unit === 'percent' ? formatPercent(used) : `${formatBytes(used)} / ${formatBytes(total)}`;
  return (
    <div>
      <div className="mb-1 flex items-baseline justify-between gap-2 text-xs">
        <span className="text-slate-500">{label}</span>
        <span className="font-medium text-slate-800 tabular-nums">{text}</span>
      </div>
      <ProgressBar value={ratio} label={label} valueText={text} tone={usageTone(ratio)} size="sm" />
    </div>
  );
}
