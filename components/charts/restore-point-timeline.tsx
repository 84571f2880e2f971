'use client';
// Restore points over time: x = when taken, y = file size; shape and colour = kind, ring = verification.
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { RestorePointDto, RestorePointKind, VerifyState } from '@/lib/domain/backups/dto';
import { formatBytes, formatDateTime, formatDuration } from '@/lib/format';
import { formatPointTimeTick, formatTick, paddedTimeDomain, valueTicks } from './chart-format';

export const KIND_STYLE: Record<RestorePointKind, { color: string; label: string }> = {
  full: { color: '#6366f1', label: 'Full' },
  incremental: { color: '#0ea5e9', label: 'Incremental' },
  safety: { color: '#f59e0b', label: 'Safety copy' },
};

export const VERIFY_STYLE: Record<VerifyState, { ring: string | null; label: string }> = {
  unverified: { ring: null, label: 'Not verified' },
  ok: { ring: '#10b981', label: 'Checksums OK' },
  'boot-ok': { ring: '#10b981', label: 'Boots OK' },
  failed: { ring: '#ef4444', label: 'Checksum failed' },
  'boot-failed': { ring: '#ef4444', label: 'Boot check failed' },
};

type Row = { t: number; size: number; point: RestorePointDto };

export function RestorePointTimeline({
  points,
  selectedId,
  onSelect,
  height = 200,
}: {
  points: RestorePointDto[];
  selectedId: string | null;
  onSelect: (pointId: string) => void;
  height?: number;
}) {
  const rows: Row[] = points.map((p) => ({ t: Date.parse(p.takenAt), size: p.sizeBytes, point: p }));
  const { domain, span } = paddedTimeDomain(rows.map((r) => r.t));
  const yTicks = valueTicks('bytes', Math.max(...rows.map((r) => r.size)) * 1.1);

  return (
    <div data-testid="restore-point-timeline" data-points={rows.length} style={{ height }} className="w-full">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 10, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain}
            tickCount={6}
            tickFormatter={(v: number) => formatPointTimeTick(v, span)}
            tick={{ fontSize: 11, fill: '#64748b' }}
            tickLine={false}
            axisLine={{ stroke: '#cbd5e1' }}
          />
          <YAxis
            dataKey="size"
            type="number"
            width={64}
            domain={yTicks ? [0, yTicks[yTicks.length - 1]] : [0, 'auto']}
            ticks={yTicks}
            tickFormatter={(v: number) => formatTick('bytes', v)}
            tick={{ fontSize: 11, fill: '#64748b' }}
            tickLine={false}
            axisLine={false}
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
            shape={(props: unknown) => (
              <PointShape {...(props as ShapeProps)} selectedId={selectedId} onSelect={onSelect} />
            )}
          />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

type ShapeProps = { cx?: number; cy?: number; payload?: Row };

function PointShape({
  cx,
  cy,
  payload,
  selectedId,
  onSelect,
}: ShapeProps & { selectedId: string | null; onSelect: (id: string) => void }) {
  if (typeof cx !== 'number' || typeof cy !== 'number' || !payload) return null;
  const p = payload.point;
  const { color } = KIND_STYLE[p.kind];
  const ring = VERIFY_STYLE[p.verifyState].ring;
  const selected = p.id === selectedId;
  const r = p.kind === 'full' ? 7 : 5.5;
  return (
    <g
      data-testid="restore-point-dot"
      data-point-id={p.id}
      data-kind={p.kind}
      role="button"
      tabIndex={0}
      className="cursor-pointer outline-none"
      aria-label={`${KIND_STYLE[p.kind].label} restore point ${formatDateTime(p.takenAt)}, ${formatBytes(p.sizeBytes)}, ${VERIFY_STYLE[p.verifyState].label}`}
      onClick={() => onSelect(p.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') onSelect(p.id);
      }}
    >
      {selected && (
        <circle cx={cx} cy={cy} r={r + 6} fill="none" stroke="#4f46e5" strokeWidth={2} strokeDasharray="3 2" />
      )}
      {ring && <circle cx={cx} cy={cy} r={r + 3} fill="none" stroke={ring} strokeWidth={2} />}
      {p.kind === 'full' ? (
        <circle cx={cx} cy={cy} r={r} fill={color} stroke="#fff" strokeWidth={1.5} />
      ) : p.kind === 'incremental' ? (
        <path
          d={`M${cx},${cy - r - 1}L${cx + r + 1},${cy}L${cx},${cy + r + 1}L${cx - r - 1},${cy}Z`}
          fill={color}
          stroke="#fff"
          strokeWidth={1.5}
        />
      ) : (
        <rect
          x={cx - r}
          y={cy - r}
          width={2 * r}
          height={2 * r}
          rx={1.5}
          fill={color}
          stroke="#fff"
          strokeWidth={1.5}
        />
      )}
    </g>
  );
}

function PointTip({ point: p }: { point: RestorePointDto }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
      <p className="font-medium text-slate-900">
        {KIND_STYLE[p.kind].label} · {formatDateTime(p.takenAt)}
      </p>
      <p className="text-slate-600">
        Size {formatBytes(p.sizeBytes)} · wrote {formatBytes(p.bytesWritten)} in {formatDuration(p.durationMs)}
      </p>
      {p.fullReason && <p className="text-slate-500">Full because: {p.fullReason}</p>}
      <p className={VERIFY_STYLE[p.verifyState].ring === '#ef4444' ? 'text-red-700' : 'text-slate-600'}>
        {VERIFY_STYLE[p.verifyState].label}
      </p>
      {p.jobName && <p className="text-slate-500">Job {p.jobName}</p>}
    </div>
  );
}

/** Legend for both encodings: shape/colour = kind, ring = verification. */
export function RestorePointLegend() {
  const item = 'inline-flex items-center gap-1.5';
  return (
    <div className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
      <span className={item}>
        <svg width="12" height="12" aria-hidden="true">
          <circle cx="6" cy="6" r="5" fill={KIND_STYLE.full.color} />
        </svg>
        Full
      </span>
      <span className={item}>
        <svg width="12" height="12" aria-hidden="true">
          <path d="M6,0L12,6L6,12L0,6Z" fill={KIND_STYLE.incremental.color} />
        </svg>
        Incremental
      </span>
      <span className={item}>
        <svg width="12" height="12" aria-hidden="true">
          <rect x="1" y="1" width="10" height="10" rx="1.5" fill={KIND_STYLE.safety.color} />
        </svg>
        Safety copy
      </span>
      <span className={item}>
        <svg width="14" height="14" aria-hidden="true">
          <circle cx="7" cy="7" r="5.5" fill="none" stroke="#10b981" strokeWidth="2" />
        </svg>
        Verified
      </span>
      <span className={item}>
        <svg width="14" height="14" aria-hidden="true">
          <circle cx="7" cy="7" r="5.5" fill="none" stroke="#ef4444" strokeWidth="2" />
        </svg>
        Verification failed
      </span>
    </div>
  );
}
