'use client';
// Every point a VM can go back to on one time axis: a lane per family of points, colour per kind,
// dot area by size; a click (or Enter) chooses a point.
import {
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { domainTimeTicks, formatDomainTick, paddedTimeDomain } from '@/components/charts/chart-format';
import type { TimelinePointDto, TimelinePointKind } from '@/lib/domain/snapshots/dto';
import { formatBytes, formatDateTime } from '@/lib/format';
import { TIMELINE_KINDS } from './point-kinds';

const LANES = ['Backups', 'Snapshots', 'Checkpoints', 'Group checkpoints'] as const;
const LANE_OF: Record<TimelinePointKind, number> = {
  'backup-full': 0,
  'backup-incremental': 0,
  snapshot: 1,
  checkpoint: 2,
  'group-checkpoint': 3,
};

type Row = { t: number; lane: number; r: number; point: TimelinePointDto };

/** Dot radius 5..9 px by the square root of the size, so area follows bytes. */
function radii(points: TimelinePointDto[]): (bytes: number) => number {
  const max = Math.sqrt(Math.max(1, ...points.map((p) => p.sizeBytes)));
  return (bytes) => 5 + 4 * (Math.sqrt(Math.max(0, bytes)) / max);
}

export function PointTimelineChart({
  points,
  selectedId,
  onSelect,
  now,
  height = 190,
}: {
  points: TimelinePointDto[];
  selectedId: string | null;
  onSelect: (p: TimelinePointDto) => void;
  now: number;
  height?: number;
}) {
  const radius = radii(points);
  const rows: Row[] = points.map((p) => ({
    t: Date.parse(p.at),
    lane: LANE_OF[p.kind],
    r: radius(p.sizeBytes),
    point: p,
  }));
  // "now" is on the axis: the gap since the newest point is what a revert would lose.
  const { domain, span } = paddedTimeDomain([...rows.map((r) => r.t), now]);
  return (
    <div data-testid="point-timeline" data-points={rows.length} style={{ height }} className="w-full">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 12, right: 20, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain}
            ticks={domainTimeTicks(domain)}
            tickFormatter={(v: number) => formatDomainTick(v, span)}
            tick={{ fontSize: 11, fill: '#64748b' }}
            tickLine={false}
            axisLine={{ stroke: '#cbd5e1' }}
          />
          <YAxis
            dataKey="lane"
            type="number"
            reversed
            domain={[-0.5, LANES.length - 0.5]}
            ticks={LANES.map((_, i) => i)}
            width={118}
            tickFormatter={(v: number) => LANES[v] ?? ''}
            tick={{ fontSize: 11, fill: '#475569' }}
            tickLine={false}
            axisLine={false}
            interval={0}
          />
          <ReferenceLine
            x={now}
            stroke="#334155"
            strokeDasharray="4 3"
            label={{ value: 'now', position: 'insideTopRight', fontSize: 10, fill: '#334155' }}
          />
          <Tooltip
            isAnimationActive={false}
            cursor={{ strokeDasharray: '3 3' }}
            content={({ active, payload }) => {
              const row = active ? (payload?.[0]?.payload as Row | undefined) : undefined;
              return row ? <PointTip point={row.point} /> : null;
            }}
          />
          <Scatter
            data={rows}
            isAnimationActive={false}
            shape={(props: unknown) => <Dot {...(props as DotProps)} selectedId={selectedId} onSelect={onSelect} />}
          />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

type DotProps = { cx?: number; cy?: number; payload?: Row };

function Dot({
  cx,
  cy,
  payload,
  selectedId,
  onSelect,
}: DotProps & { selectedId: string | null; onSelect: (p: TimelinePointDto) => void }) {
  if (typeof cx !== 'number' || typeof cy !== 'number' || !payload) return null;
  const { point: p, r } = payload;
  const { color, label } = TIMELINE_KINDS[p.kind];
  return (
    <g
      data-testid="timeline-dot"
      data-point-id={p.id}
      data-kind={p.kind}
      role="button"
      tabIndex={0}
      className="cursor-pointer outline-none"
      aria-label={`${label} ${p.label}, ${formatDateTime(p.at)}, ${formatBytes(p.sizeBytes)}`}
      aria-pressed={p.id === selectedId}
      onClick={() => onSelect(p)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(p);
        }
      }}
    >
      {p.id === selectedId && (
        <circle cx={cx} cy={cy} r={r + 5} fill="none" stroke="#4f46e5" strokeWidth={2} strokeDasharray="3 2" />
      )}
      {p.kind === 'backup-incremental' ? (
        <path
          d={`M${cx},${cy - r - 1}L${cx + r + 1},${cy}L${cx},${cy + r + 1}L${cx - r - 1},${cy}Z`}
          fill={color}
          stroke="#fff"
          strokeWidth={1.5}
        />
      ) : (
        <circle cx={cx} cy={cy} r={r} fill={color} stroke="#fff" strokeWidth={1.5} />
      )}
    </g>
  );
}

function PointTip({ point: p }: { point: TimelinePointDto }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
      <p className="font-medium text-slate-900">{p.label}</p>
      <p className="text-slate-600">
        {TIMELINE_KINDS[p.kind].label} · {formatDateTime(p.at)} · {formatBytes(p.sizeBytes)}
      </p>
      <p className="text-slate-500">
        Click to {p.actions.includes('restore') ? 'restore it' : 'revert to it or clone it'}
      </p>
    </div>
  );
}
