'use client';
// THE one recharts wrapper: every chart in vmops goes through here.
import { Area, AreaChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DotItemDotProps } from 'recharts';
import { formatDateTime } from '@/lib/format';
import {
  formatTick,
  domainTimeTicks,
  formatTimeTick,
  formatValue,
  SERIES_COLORS,
  valueTicks,
  type ChartUnit,
} from './chart-format';

export type ChartSeries<K extends string> = { key: K; label: string; color?: string; dashed?: boolean };
type Row = { t: number } & Partial<Record<string, number>>;

export function TimeSeriesChart<K extends string>({
  name,
  data,
  series,
  unit,
  kind = 'area',
  height = 180,
  yMax,
  stacked,
  curve = 'monotone',
}: {
  name: string; // test id: chart-<name>
  data: readonly ({ t: number } & Partial<Record<K, number>>)[];
  series: ChartSeries<K>[];
  unit: ChartUnit;
  kind?: 'area' | 'line';
  height?: number;
  yMax?: number; // fixed top (100 for percent)
  stacked?: boolean;
  curve?: 'monotone' | 'linear'; // linear: a quantity known to change at a steady rate (an age)
}) {
  const rows = data as readonly Row[];
  const present = rows.filter((r) => series.some((s) => typeof r[s.key] === 'number'));
  const colorOf = (i: number, s: ChartSeries<K>) => s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
  const t0 = present[0]?.t ?? 0;
  const t1 = present.at(-1)?.t ?? 0;
  const top = Math.max(
    0,
    ...present.flatMap((r) => series.map((s) => r[s.key] ?? 0)),
    stacked ? sumTop(present, series) : 0,
  );
  const yTicks = valueTicks(unit, Math.max(top, yMax ?? 0));

  return (
    <div data-testid={`chart-${name}`} data-points={present.length} className="w-full" style={{ height }}>
      {present.length === 0 ? (
        <div className="flex h-full items-center justify-center rounded-md border border-dashed border-slate-200 text-xs text-slate-500">
          Waiting for metrics…
        </div>
      ) : (
        <ResponsiveContainer width="100%" height="100%">
          {kind === 'area' ? (
            <AreaChart data={present as Row[]} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
              {axes()}
              {series.map((s, i) => (
                <Area
                  key={s.key}
                  type={curve}
                  dataKey={s.key}
                  name={s.label}
                  stackId={stacked ? 'a' : undefined}
                  stroke={colorOf(i, s)}
                  strokeWidth={1.5}
                  strokeDasharray={s.dashed ? '4 3' : undefined}
                  fill={colorOf(i, s)}
                  fillOpacity={s.dashed ? 0 : 0.14}
                  dot={lastPointDot(present.length, colorOf(i, s))}
                  activeDot={{ r: 3 }}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
            </AreaChart>
          ) : (
            <LineChart data={present as Row[]} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
              {axes()}
              {series.map((s, i) => (
                <Line
                  key={s.key}
                  type={curve}
                  dataKey={s.key}
                  name={s.label}
                  stroke={colorOf(i, s)}
                  strokeWidth={1.5}
                  strokeDasharray={s.dashed ? '4 3' : undefined}
                  dot={lastPointDot(present.length, colorOf(i, s))}
                  activeDot={{ r: 3 }}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
            </LineChart>
          )}
        </ResponsiveContainer>
      )}
    </div>
  );

  function axes() {
    return [
      <CartesianGrid key="grid" stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />,
      <XAxis
        key="x"
        dataKey="t"
        type="number"
        scale="time"
        domain={[t0, t1]}
        ticks={domainTimeTicks([t0, t1])}
        tickFormatter={(v: number) => formatTimeTick(v, t1 - t0)}
        tick={{ fontSize: 11, fill: '#64748b' }}
        tickLine={false}
        axisLine={{ stroke: '#cbd5e1' }}
      />,
      <YAxis
        key="y"
        width={64}
        domain={yTicks ? [0, yTicks[yTicks.length - 1]] : [0, 'auto']}
        ticks={yTicks}
        tickFormatter={(v: number) => formatTick(unit, v)}
        tick={{ fontSize: 11, fill: '#64748b' }}
        tickLine={false}
        axisLine={false}
        tickCount={4}
      />,
      <Tooltip
        key="tip"
        isAnimationActive={false}
        labelFormatter={(v) => formatDateTime(Number(v))}
        formatter={(v) => formatValue(unit, typeof v === 'number' ? v : Number(v))}
        contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: '#e2e8f0', padding: '6px 10px' }}
      />,
    ];
  }
}

function sumTop<K extends string>(rows: readonly Row[], series: ChartSeries<K>[]): number {
  return Math.max(0, ...rows.map((r) => series.reduce((n, s) => n + (r[s.key] ?? 0), 0)));
}

// A "live" marker on the newest point only; rendered as a recharts dot so tests can find points.
function lastPointDot(count: number, color: string) {
  function LastDot(props: DotItemDotProps) {
    const { cx, cy, index } = props;
    if (index !== count - 1 || typeof cx !== 'number' || typeof cy !== 'number') return null;
    return <circle className="recharts-dot" cx={cx} cy={cy} r={2.5} fill={color} stroke="#fff" strokeWidth={1} />;
  }
  return LastDot;
}
