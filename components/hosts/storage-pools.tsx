import { Card, CardHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { ProgressBar, usageTone } from '@/components/ui/progress-bar';
import type { HostDto } from '@/lib/domain/hosts/dto';
import { formatBytes, formatRelativeTime } from '@/lib/format';

export function StoragePools({ pools }: { pools: HostDto['pools'] }) {
  return (
    <Card>
      <CardHeader title="Storage pools" />
      {pools.length === 0 ? (
        <EmptyState title="No storage pools reported" description="The agent reports its pools with each heartbeat." />
      ) : (
        <ul className="divide-y divide-slate-100">
          {pools.map((p) => {
            const used = p.totalBytes - p.freeBytes;
            const ratio = p.totalBytes > 0 ? used / p.totalBytes : 0;
            return (
              <li key={p.name} className="px-4 py-3">
                <div className="mb-1.5 flex items-baseline justify-between gap-3 text-sm">
                  <span className="min-w-0 truncate">
                    <span className="font-medium text-slate-900">{p.name}</span>
                    <span className="ml-2 text-xs text-slate-500">{p.kind}</span>
                    <span className="ml-2 font-mono text-xs text-slate-500">{p.path}</span>
                  </span>
                  <span className="shrink-0 text-xs text-slate-600 tabular-nums">
                    <span className="font-semibold text-slate-900">{formatBytes(p.freeBytes)}</span> free of{' '}
                    {formatBytes(p.totalBytes)}
                  </span>
                </div>
                <ProgressBar
                  value={ratio}
                  label={`Space used in pool ${p.name}`}
                  tone={usageTone(ratio)}
                  size="sm"
                  valueText={`${formatBytes(p.freeBytes)} free of ${formatBytes(p.totalBytes)}`}
                />
                <p className="mt-1 text-[11px] text-slate-500">updated {formatRelativeTime(p.updatedAt)}</p>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
