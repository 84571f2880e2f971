import { BeforeAfterBar } from '@/components/charts/before-after-bar';
import { Badge } from '@/components/ui/badge';
import { AlertIcon } from '@/components/ui/icons';
import type { MigrationEstimateDto } from '@/lib/domain/migrations/dto';
import { formatBytes, formatBytesPerSec, formatDuration } from '@/lib/format';
import { MODE_LABELS } from './migration-bits';

const FIXED_SOURCE: Record<MigrationEstimateDto['fixedSource'], string> = {
  history: 'median of past migrations of this kind',
  probe: "the target's QEMU start as probed, plus the hand-over",
  default: 'assumed: nothing measured yet',
};

const DIRTY_SOURCE: Record<MigrationEstimateDto['dirtyRateSource'], string> = {
  measured: 'measured now in the guest',
  history: 'derived from recent disk writes and CPU (could not measure)',
  none: 'no data yet: assumed idle',
};

const BANDWIDTH_SOURCE: Record<MigrationEstimateDto['bandwidthSource'], string> = {
  probe: 'link probe: a real QEMU migration between the hosts',
  measured: 'measured between these hosts',
  cap: 'the requested cap',
  default: "the agent's cap, nothing measured yet",
};

function Figure({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div className="min-w-0 rounded-md bg-slate-50 px-3 py-2">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-base font-semibold text-slate-900 tabular-nums" data-testid={testId}>
        {value}
      </dd>
      {hint && (
        <dd className="truncate text-[11px] text-slate-500" title={hint}>
          {hint}
        </dd>
      )}
    </div>
  );
}

/** The cost of a migration before it starts: time, pause, bytes, and what it does to the target host. */
export function MigrationEstimate({ e }: { e: MigrationEstimateDto }) {
  const mode = MODE_LABELS[e.mode];
  return (
    <div data-testid="migration-estimate" className="space-y-4">
      <dl className="grid grid-cols-3 gap-2">
        <Figure
          label="Predicted duration"
          value={formatDuration(e.predictedDurationMs)}
          testId="estimate-duration"
          hint={`at ${formatBytesPerSec(e.bandwidthBytesPerSec)}, ${BANDWIDTH_SOURCE[e.bandwidthSource]}`}
        />
        <Figure
          label="Predicted downtime"
          value={formatDuration(e.predictedDowntimeMs)}
          testId="estimate-downtime"
          hint="guest paused at switch-over"
        />
        <Figure
          label="Data to send"
          value={formatBytes(e.predictedBytes)}
          testId="estimate-bytes"
          hint={`${e.mode === 'storage' ? `${formatBytes(e.diskBytes)} disk + ` : ''}${formatBytes(e.memoryBytes)} memory + what the guest rewrites meanwhile`}
        />
      </dl>
      <dl className="space-y-1.5 text-sm">
        <div className="flex gap-3">
          <dt className="w-28 shrink-0 text-slate-500">Dirty rate</dt>
          <dd className="min-w-0 text-slate-800">
            <span className="font-medium tabular-nums" data-testid="estimate-dirty-rate">
              {formatBytesPerSec(e.dirtyRateBytesPerSec)}
            </span>
            <span className="text-slate-500"> — {DIRTY_SOURCE[e.dirtyRateSource]}</span>
          </dd>
        </div>
        <div className="flex gap-3">
          <dt className="w-28 shrink-0 text-slate-500">Fixed costs</dt>
          <dd className="min-w-0 text-slate-800">
            <span className="font-medium tabular-nums" data-testid="estimate-fixed">
              {formatDuration(e.fixedMs)}
            </span>
            <span className="text-slate-500">
              {' '}
              — task pickup, target QEMU start, hand-over: {FIXED_SOURCE[e.fixedSource]}
            </span>
          </dd>
        </div>
        <div className="flex gap-3">
          <dt className="w-28 shrink-0 text-slate-500">Mode</dt>
          <dd className="min-w-0 text-slate-800">
            <Badge tone={e.mode === 'shared' ? 'green' : 'blue'} data-testid="estimate-mode">
              {mode.label}
            </Badge>
            <span className="ml-2 text-xs text-slate-500">{mode.description}</span>
          </dd>
        </div>
      </dl>
      <div>
        <h3 className="mb-2 text-xs font-semibold text-slate-700">{e.targetHostName} after the move</h3>
        <div className="grid grid-cols-2 gap-4" data-testid="estimate-target-load">
          <BeforeAfterBar label="CPU" before={e.targetLoadBefore.cpuPct} after={e.targetLoadAfter.cpuPct} />
          <BeforeAfterBar
            label="Memory"
            before={e.targetLoadBefore.memoryPct}
            after={e.targetLoadAfter.memoryPct}
            detail={`${formatBytes(e.targetLoadAfter.memoryUsedBytes)} of ${formatBytes(e.targetLoadAfter.memoryTotalBytes)}`}
          />
        </div>
      </div>
      {!e.converges && (
        <p
          role="alert"
          className="flex gap-1.5 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs font-medium text-amber-900"
        >
          <AlertIcon className="mt-px shrink-0" />
          The guest dirties memory nearly as fast as it can be sent: QEMU will have to slow the guest down to finish.
        </p>
      )}
      {e.notes.length > 0 && (
        <ul className="list-disc space-y-0.5 pl-4 text-xs text-slate-500">
          {e.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
