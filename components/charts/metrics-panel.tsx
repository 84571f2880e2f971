'use client';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { QueryError } from '@/components/ui/query-state';
import { Skeleton } from '@/components/ui/skeleton';
import type { MetricPoint, MetricRange } from '@/lib/domain/metrics/dto';
import type { metricQueries } from '@/lib/queries/metric-queries';
import { cx } from '@/lib/cx';
import { ChartCard } from './chart-card';
import type { ChartUnit } from './chart-format';
import { RangePicker } from './range-picker';
import { TimeSeriesChart, type ChartSeries } from './time-series-chart';

export type MetricKey = Exclude<keyof MetricPoint, 't'>;

export type ChartSpec = {
  name: string; // data-testid chart-<name>
  title: string;
  unit: ChartUnit;
  series: ChartSeries<MetricKey>[];
  kind?: 'area' | 'line';
  yMax?: number;
  /** Headline under the title, from the newest point. */
  current?: (last: MetricPoint) => ReactNode;
};

type SeriesQuery = ReturnType<typeof metricQueries.cluster>;

/** A row of charts over one metrics endpoint, sharing a range picker (15m to 30d). */
export function MetricsPanel({
  title,
  query,
  charts,
  className,
}: {
  title: string;
  query: (range: MetricRange) => SeriesQuery;
  charts: ChartSpec[];
  className?: string;
}) {
  const [range, setRange] = useState<MetricRange>('15m');
  const q = useQuery(query(range));
  const points = q.data?.points ?? [];
  const last = points.at(-1);

  return (
    <section aria-label={title} className={className}>
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        <RangePicker value={range} onChange={setRange} label={`${title} time range`} />
      </div>
      {q.isError && !q.data ? (
        <QueryError error={q.error} what="metrics" onRetry={() => void q.refetch()} />
      ) : (
        <div
          className={cx(
            'grid gap-4',
            charts.length >= 3 ? 'grid-cols-3' : charts.length === 2 ? 'grid-cols-2' : 'grid-cols-1',
          )}
        >
          {charts.map((c) => (
            <ChartCard key={c.name} title={c.title} current={last && c.current ? c.current(last) : undefined}>
              {q.isPending ? (
                <Skeleton className="h-[180px]" />
              ) : (
                <TimeSeriesChart
                  name={c.name}
                  data={points}
                  series={c.series}
                  unit={c.unit}
                  kind={c.kind}
                  yMax={c.yMax}
                />
              )}
            </ChartCard>
          ))}
        </div>
      )}
    </section>
  );
}
