'use client';
// Grouped bars per category (e.g. per host: load before / after a balancing run). The sibling of
// time-series-chart.tsx for data that is not over time; same axes, colours and number formats.
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTick, formatValue, SERIES_COLORS, valueTicks, type ChartUnit } from './chart-format';

export type BarSeries<K extends string> = { key: K; label: string; color?: string };

export function GroupedBarChart<K extends string>({
  name,
  data,
  series,
  unit,
  height = 200,
  yMax,
  threshold,
  stacked,
  xInterval = 0,
  integers,
}: {
  name: string; // test id: chart-<name>
  data: readonly ({ label: string } & Partial<Record<K, number>>)[];
  series: BarSeries<K>[];
  unit: ChartUnit;
  height?: number;
  yMax?: number;
  threshold?: { value: number; label: string };
  stacked?: boolean; // one bar per category, the series on top of each other
  xInterval?: 0 | 'preserveStartEnd'; // every category label, or as many as fit (many categories)
  integers?: boolean; // counts: whole-number ticks only
}) {
  const top = Math.max(
    0,
    yMax ?? 0,
    threshold?.value ?? 0,
    ...data.flatMap((r) =>
      stacked ? [series.reduce((n, s) => n + (r[s.key] ?? 0), 0)] : series.map((s) => r[s.key] ?? 0),
    ),
  );
  const yTicks = valueTicks(unit, top);
  return (
    <div data-testid={`chart-${name}`} data-bars={data.length} className="w-full" style={{ height }}>
      {data.length === 0 ? (
        <div className="flex h-full items-center justify-center rounded-md border border-dashed border-slate-200 text-xs text-slate-500">
          No data yet
        </div>
      ) : (
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            data={data as ({ label: string } & Record<string, number>)[]}
            margin={{ top: 6, right: 8, bottom: 0, left: 0 }}
            barGap={2}
            barCategoryGap="25%"
          >
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="label"
              tick={{ fontSize: 11, fill: '#64748b' }}
              tickLine={false}
              axisLine={{ stroke: '#cbd5e1' }}
              interval={xInterval}
            />
            <YAxis
              width={64}
              allowDecimals={!integers}
              domain={yTicks ? [0, yTicks[yTicks.length - 1]] : [0, 'auto']}
              ticks={yTicks}
              tickFormatter={(v: number) => formatTick(unit, v)}
              tick={{ fontSize: 11, fill: '#64748b' }}
              tickLine={false}
              axisLine={false}
            />
            <Tooltip
              isAnimationActive={false}
              cursor={{ fill: '#f1f5f9' }}
              formatter={(v) => formatValue(unit, typeof v === 'number' ? v : Number(v))}
              // Item text in slate, not the series colour: light series colours fail 4.5:1 as text.
              contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: '#e2e8f0', padding: '6px 10px' }}
              itemStyle={{ color: '#334155' }}
            />
            {threshold && (
              <ReferenceLine
                y={threshold.value}
                stroke="#334155"
                strokeDasharray="4 3"
                label={{ value: threshold.label, position: 'insideTopRight', fontSize: 10, fill: '#334155' }}
              />
            )}
            {series.map((s, i) => (
              <Bar
                key={s.key}
                dataKey={s.key}
                name={s.label}
                fill={s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]}
                isAnimationActive={false}
                stackId={stacked ? 'stack' : undefined}
                radius={stacked && i < series.length - 1 ? 0 : [3, 3, 0, 0]}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
