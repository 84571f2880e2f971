'use client';
import type { BackupPreviewDto } from '@/lib/domain/backups/dto';
import { formatDateTime } from '@/lib/format';

type Decision = { key: string; at: string; keep: boolean; reasons: string[] };

/**
 * The points on a time line (oldest left): kept ones as tall green ticks, pruned ones as short grey
 * ticks; the kept ones listed below with the rule that keeps each.
 */
function DecisionStrip({ title, items, testId }: { title: string; items: Decision[]; testId: string }) {
  const kept = items.filter((i) => i.keep);
  const ts = items.map((i) => Date.parse(i.at));
  const t0 = Math.min(...ts);
  const span = Math.max(1, Math.max(...ts) - t0);
  const x = (at: string) => 4 + ((Date.parse(at) - t0) / span) * 992;
  return (
    <div data-testid={testId} data-kept={kept.length} data-total={items.length}>
      <p className="mb-1.5 text-xs text-slate-600">
        <span className="font-medium text-slate-800">{title}:</span> keeps{' '}
        <span className="font-semibold tabular-nums">{kept.length}</span> of{' '}
        <span className="tabular-nums">{items.length}</span> points
      </p>
      <svg viewBox="0 0 1000 28" preserveAspectRatio="none" className="h-7 w-full" aria-hidden="true">
        <line x1="0" x2="1000" y1="27" y2="27" stroke="#cbd5e1" strokeWidth="1" vectorEffect="non-scaling-stroke" />
        {items
          .filter((i) => !i.keep)
          .map((i) => (
            <line
              key={i.key}
              x1={x(i.at)}
              x2={x(i.at)}
              y1="19"
              y2="27"
              stroke="#cbd5e1"
              strokeWidth="1.5"
              vectorEffect="non-scaling-stroke"
            />
          ))}
        {kept.map((i) => (
          <line
            key={i.key}
            x1={x(i.at)}
            x2={x(i.at)}
            y1="2"
            y2="27"
            stroke="#10b981"
            strokeWidth="2.5"
            vectorEffect="non-scaling-stroke"
          />
        ))}
      </svg>
      {items.length > 0 && (
        <div className="flex justify-between text-[11px] text-slate-500 tabular-nums">
          <span>{formatDateTime(items[0].at).slice(0, 10)}</span>
          <span>{formatDateTime(items[items.length - 1].at).slice(0, 10)}</span>
        </div>
      )}
      {/* Scrolls: focusable so a keyboard can scroll it too. */}
      <ul
        tabIndex={0}
        aria-label="Points kept, newest first"
        className="mt-2 max-h-32 space-y-0.5 overflow-y-auto rounded text-xs focus-visible:outline-2 focus-visible:outline-accent-500"
      >
        {[...kept].reverse().map((i) => (
          <li key={i.key} className="flex gap-3">
            <span className="w-36 shrink-0 text-slate-700 tabular-nums">{formatDateTime(i.at)}</span>
            <span className="text-slate-500">{i.reasons.join(' · ')}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function RetentionPreview({ retention }: { retention: BackupPreviewDto['retention'] }) {
  const simulated = retention.simulated
    .map((s) => ({ key: s.at, at: s.at, keep: s.keep, reasons: s.reasons }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const existing = retention.existing
    .map((e) => ({ key: e.pointId, at: e.takenAt, keep: e.keep, reasons: e.reasons }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <div className="space-y-3">
      <DecisionStrip
        testId="retention-simulated"
        items={simulated}
        title={`After ${simulated.length} runs of this schedule`}
      />
      {existing.length > 0 && (
        <DecisionStrip testId="retention-existing" title="This job's existing restore points" items={existing} />
      )}
      <p className="flex items-center gap-3 text-[11px] text-slate-500">
        <span className="inline-flex items-center gap-1">
          <span className="h-3 w-0.5 bg-emerald-500" />
          kept
        </span>
        <span className="inline-flex items-center gap-1">
          <span className="h-1.5 w-0.5 bg-slate-300" />
          pruned
        </span>
        Pruning never breaks a chain: an expiring incremental is merged into the next one.
      </p>
    </div>
  );
}
