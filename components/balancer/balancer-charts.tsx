'use client';
import { useState } from 'react';
import { ChartCard } from '@/components/charts/chart-card';
import { GroupedBarChart } from '@/components/charts/grouped-bar-chart';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { FilterSelect } from '@/components/ui/form-field';
import { cx } from '@/lib/cx';
import type { PolicyDto, RunDto } from '@/lib/domain/balancer/dto';
import { formatDateTime } from '@/lib/format';
import { formatImbalance } from './balancer-bits';

type Metric = 'cpu' | 'mem';

function MetricToggle({ value, onChange }: { value: Metric; onChange: (m: Metric) => void }) {
  return (
    <div
      role="group"
      aria-label="Load metric"
      className="inline-flex rounded-md border border-slate-200 bg-slate-50 p-0.5"
    >
      {(['cpu', 'mem'] as const).map((m) => (
        <button
          key={m}
          type="button"
          aria-pressed={m === value}
          onClick={() => onChange(m)}
          className={cx(
            'rounded px-2 py-0.5 text-xs font-medium',
            m === value
              ? 'bg-white text-slate-900 shadow-sm ring-1 ring-slate-200'
              : 'text-slate-500 hover:text-slate-800',
          )}
        >
          {m === 'cpu' ? 'CPU' : 'Memory'}
        </button>
      ))}
    </div>
  );
}

const Legend = ({ items }: { items: [string, string, boolean?][] }) => (
  <span className="flex gap-3">
    {items.map(([label, color, dashed]) => (
      <span key={label} className="inline-flex items-center gap-1">
        <span
          aria-hidden="true"
          className={cx('inline-block h-0 w-3 border-t-2', dashed && 'border-dashed')}
          style={{ borderColor: color }}
        />
        {label}
      </span>
    ))}
  </span>
);

/** Cluster imbalance over the runs, and per-host load before/after a chosen run. */
export function BalancerCharts({ runs, policy }: { runs: RunDto[]; policy: PolicyDto }) {
  const [runId, setRunId] = useState<string>('');
  const [metric, setMetric] = useState<Metric>('cpu');
  const run = runs.find((r) => r.id === runId) ?? runs[0];
  const timeline = [...runs]
    .reverse()
    .map((r) => ({ t: Date.parse(r.at), before: r.imbalanceBefore * 100, after: r.imbalanceAfter * 100 }));
  const key = metric === 'cpu' ? 'cpuPct' : 'memPct';
  const bars =
    run?.hostsBefore.map((b) => ({
      label: b.name,
      before: b[key],
      after: (run.hostsAfter.find((a) => a.hostId === b.hostId) ?? b)[key],
    })) ?? [];

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      <ChartCard
        title="Cluster imbalance over time"
        current={
          <Legend
            items={[
              ['Before the run', '#6366f1'],
              ['Expected after', '#10b981', true],
            ]}
          />
        }
      >
        <TimeSeriesChart
          name="balancer-imbalance"
          data={timeline}
          unit="number"
          kind="line"
          series={[
            { key: 'before', label: 'Before' },
            { key: 'after', label: 'After', color: '#10b981', dashed: true },
          ]}
        />
      </ChartCard>
      <ChartCard
        title="Host load before and after a run"
        current={
          <Legend
            items={[
              ['Before', '#94a3b8'],
              ['After its moves', '#6366f1'],
            ]}
          />
        }
        actions={<MetricToggle value={metric} onChange={setMetric} />}
      >
        <FilterSelect
          label="Run"
          value={run?.id ?? ''}
          onChange={(e) => setRunId(e.target.value)}
          className="mb-2 px-2"
        >
          {runs.map((r) => (
            <option key={r.id} value={r.id}>
              {formatDateTime(r.at)} · {r.trigger === 'manual' ? 'by hand' : 'scheduled'} · imbalance{' '}
              {formatImbalance(r.imbalanceBefore)} → {formatImbalance(r.imbalanceAfter)}
            </option>
          ))}
        </FilterSelect>
        <GroupedBarChart
          name="balancer-host-load"
          data={bars}
          unit="percent"
          yMax={100}
          threshold={{ value: metric === 'cpu' ? policy.cpuThresholdPct : policy.memThresholdPct, label: 'threshold' }}
          series={[
            { key: 'before', label: 'Before', color: '#94a3b8' },
            { key: 'after', label: 'After', color: '#6366f1' },
          ]}
        />
      </ChartCard>
    </div>
  );
}
