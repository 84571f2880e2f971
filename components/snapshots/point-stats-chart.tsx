'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ChartCard } from '@/components/charts/chart-card';
import { GroupedBarChart } from '@/components/charts/grouped-bar-chart';
import { FilterSelect } from '@/components/ui/form-field';
import { Skeleton } from '@/components/ui/skeleton';
import { formatBytes } from '@/lib/format';
import { snapshotQueries } from '@/lib/queries/snapshot-queries';
import { KindLegend, STATS_KINDS } from './point-kinds';
import { STATS_KIND_ORDER, statsBars } from './point-stats-model';

const RANGES = [7, 14, 30, 90] as const;
const SERIES = STATS_KIND_ORDER.map((k) => ({ key: k, label: STATS_KINDS[k].label, color: STATS_KINDS[k].color }));

/** Checkpoints and restore points of the whole cluster over time: count or size per day, stacked by kind. */
export function PointStatsChart() {
  const [days, setDays] = useState<number>(14);
  const [metric, setMetric] = useState<'count' | 'sizeBytes'>('count');
  const query = useQuery(snapshotQueries.stats(days));
  const rows = query.data?.rows ?? [];
  const total = rows.reduce((n, r) => n + r.count, 0);
  const bytes = rows.reduce((n, r) => n + r.sizeBytes, 0);
  return (
    <ChartCard
      title="Points per day, whole cluster"
      current={
        query.data ? `${total} point${total === 1 ? '' : 's'} in ${days} days · ${formatBytes(bytes)} taken` : undefined
      }
      actions={
        <>
          <FilterSelect label="Show" value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)}>
            <option value="count">Count</option>
            <option value="sizeBytes">Size</option>
          </FilterSelect>
          <FilterSelect label="Range" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {RANGES.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </FilterSelect>
        </>
      }
    >
      {!query.data ? (
        <Skeleton className="h-[220px]" />
      ) : (
        <div className="space-y-2">
          <GroupedBarChart
            name="point-stats"
            stacked
            integers={metric === 'count'}
            height={220}
            unit={metric === 'count' ? 'number' : 'bytes'}
            series={SERIES}
            data={statsBars(rows, days, metric, Date.now())}
            xInterval={days > 14 ? 'preserveStartEnd' : 0}
          />
          <div className="px-2">
            <KindLegend label="Kinds of point" kinds={SERIES} />
          </div>
        </div>
      )}
    </ChartCard>
  );
}
