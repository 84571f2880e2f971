'use client';
import { MetricsPanel, type ChartSpec } from '@/components/charts/metrics-panel';
import { RecentTasks } from '@/components/tasks/recent-tasks';
import { formatBytes, formatPercent } from '@/lib/format';
import { metricQueries } from '@/lib/queries/metric-queries';
import { ClusterStats } from './cluster-stats';
import { HostCards } from './host-cards';

const CLUSTER_CHARTS: ChartSpec[] = [
  {
    name: 'cluster-cpu',
    title: 'CPU (average of hosts)',
    unit: 'percent',
    yMax: 100,
    series: [{ key: 'cpuPct', label: 'CPU' }],
    current: (p) => formatPercent(p.cpuPct),
  },
  {
    name: 'cluster-memory',
    title: 'Memory used',
    unit: 'bytes',
    series: [
      { key: 'memUsedBytes', label: 'Used' },
      { key: 'memTotalBytes', label: 'Total', color: '#94a3b8', dashed: true },
    ],
    current: (p) => `${formatBytes(p.memUsedBytes)} of ${formatBytes(p.memTotalBytes)}`,
  },
];

export function Overview() {
  return (
    <div className="space-y-5">
      <ClusterStats />
      <MetricsPanel title="Cluster load" query={metricQueries.cluster} charts={CLUSTER_CHARTS} />
      <div className="grid grid-cols-1 gap-5 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <HostCards />
        <div>
          <h2 className="mb-2 text-sm font-semibold text-slate-900">Activity</h2>
          <RecentTasks />
        </div>
      </div>
    </div>
  );
}
