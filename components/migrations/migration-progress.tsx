'use client';
import { useState } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { ProgressBar } from '@/components/ui/progress-bar';
import { cx } from '@/lib/cx';
import type { MigrationDto, MigrationPhase } from '@/lib/domain/migrations/dto';
import { formatBytes, formatDuration, formatRatio } from '@/lib/format';
import { useNow } from '@/lib/hooks/use-now';
import { useCancelMigration } from '@/lib/queries/migrations';
import { formatDirtyRate, MigrationRoute, MigrationStateBadge, MODE_LABELS, PHASE_LABELS } from './migration-bits';
import { migrationRatio } from './migration-rules';

const PHASES: MigrationPhase[] = ['preparing', 'mirror', 'memory', 'completing', 'finishing'];

function PhaseSteps({ m }: { m: MigrationDto }) {
  const phases = PHASES.filter((p) => p !== 'mirror' || m.mode === 'storage');
  const current = m.progress?.phase ?? 'preparing';
  const at = m.state === 'succeeded' ? phases.length : phases.indexOf(current);
  return (
    <ol aria-label="Migration phases" className="flex flex-wrap items-center gap-x-1.5 gap-y-1 text-xs">
      {phases.map((p, i) => (
        <li key={p} aria-current={i === at ? 'step' : undefined} className="flex items-center gap-1.5">
          {i > 0 && <span aria-hidden="true" className="h-px w-3 bg-slate-300" />}
          <span
            className={cx(
              'rounded-full px-2 py-0.5 font-medium',
              i < at
                ? 'bg-emerald-50 text-emerald-700'
                : i === at && m.state === 'running'
                  ? 'bg-sky-100 text-sky-800 ring-1 ring-sky-300'
                  : 'bg-slate-100 text-slate-600',
            )}
          >
            {PHASE_LABELS[p]}
          </span>
        </li>
      ))}
    </ol>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="truncate text-sm font-semibold text-slate-900 tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** Live progress of one migration (phase, bytes, dirty rate, downtime) with Cancel; the outcome once it ends. */
export function MigrationProgress({ m, className }: { m: MigrationDto; className?: string }) {
  const now = useNow(1000);
  const cancel = useCancelMigration();
  const permission = usePermission('vm.migrate');
  const [confirm, setConfirm] = useState(false);
  const p = m.progress;
  const running = m.state === 'running';
  const elapsed = m.durationMs ?? now - Date.parse(m.startedAt);
  const tone =
    m.state === 'failed' ? 'red' : m.state === 'succeeded' ? 'green' : m.state === 'cancelled' ? 'gray' : 'accent';

  return (
    <div
      data-testid="migration-progress"
      data-state={m.state}
      aria-live="polite"
      className={cx(
        'space-y-3 rounded-md border bg-white p-3',
        m.state === 'failed' ? 'border-red-200' : 'border-slate-200',
        className,
      )}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <MigrationStateBadge state={m.state} />
        <span className="text-sm text-slate-700">
          {m.vmName} <span className="text-slate-400">·</span> <MigrationRoute m={m} />
        </span>
        <span className="ml-auto text-xs text-slate-500 tabular-nums">{formatDuration(elapsed)}</span>
        {running && (
          <Button
            size="sm"
            variant="secondary"
            onClick={() => setConfirm(true)}
            loading={cancel.isPending}
            disabled={!permission.allowed}
            disabledReason={permission.reason}
          >
            Cancel migration
          </Button>
        )}
      </div>
      <div className="flex items-center justify-between gap-3">
        <PhaseSteps m={m} />
        <span className="shrink-0 text-xs text-slate-500" title={MODE_LABELS[m.mode].description}>
          {MODE_LABELS[m.mode].label}
        </span>
      </div>
      <div>
        <div className="mb-1 flex justify-between text-xs text-slate-500">
          <span>
            {running
              ? p
                ? `${PHASE_LABELS[p.phase]}: ${formatBytes(p.transferredBytes)} sent, ${formatBytes(p.remainingBytes)} left`
                : 'Preparing the target host…'
              : 'Done'}
          </span>
          <span className="tabular-nums">{formatRatio(migrationRatio(m))}</span>
        </div>
        <ProgressBar
          value={migrationRatio(m)}
          label={`Migration of ${m.vmName}`}
          tone={tone}
          striped={running}
          data-testid="migration-bar"
        />
      </div>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {running ? (
          <>
            <Figure label="Transferred" value={formatBytes(p?.transferredBytes ?? 0)} testId="migration-transferred" />
            <Figure label="Remaining" value={p ? formatBytes(p.remainingBytes) : '—'} />
            <Figure label="Dirty page rate" value={p ? formatDirtyRate(p.dirtyPagesRate) : '—'} />
            <Figure
              label="Expected downtime"
              value={p?.expectedDowntimeMs != null ? formatDuration(p.expectedDowntimeMs) : '—'}
            />
          </>
        ) : (
          <>
            <Figure label="Total time" value={formatDuration(m.durationMs)} />
            <Figure label="Downtime" value={formatDuration(m.downtimeMs)} testId="migration-downtime" />
            <Figure label="Transferred" value={formatBytes(m.bytesTransferred)} />
            <Figure label="Disk mirrored" value={m.mode === 'storage' ? formatBytes(m.diskBytes) : 'none (shared)'} />
          </>
        )}
      </dl>
      {m.state === 'succeeded' && (
        <p className="text-sm text-emerald-800">
          {m.vmName} now runs on <strong>{m.targetHostName}</strong>.
        </p>
      )}
      {m.state === 'cancelled' && (
        <p className="text-sm text-slate-600">
          Cancelled: {m.vmName} keeps running on {m.sourceHostName}.
        </p>
      )}
      {m.state === 'failed' && (
        <p className="text-sm text-red-700">
          Failed: {m.error ?? 'unknown error'}. {m.vmName} keeps running on {m.sourceHostName}.
        </p>
      )}
      <ConfirmDialog
        open={confirm}
        onCancel={() => setConfirm(false)}
        pending={cancel.isPending}
        tone="danger"
        cancelLabel="Keep migrating"
        title={`Cancel the migration of ${m.vmName}?`}
        confirmLabel="Cancel migration"
        description={`The copy stops and what was made on ${m.targetHostName} is removed. ${m.vmName} keeps running on ${m.sourceHostName} without interruption.`}
        onConfirm={() => cancel.mutate(m.id, { onSettled: () => setConfirm(false) })}
      />
    </div>
  );
}
