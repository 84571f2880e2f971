import { StateBadge, type Tone } from '@/components/ui/badge';
import type { DrJobDto, DrStatus, ReplicaPointDto } from '@/lib/domain/dr/dto';
import { formatBytes, formatDateTime, formatDuration } from '@/lib/format';

const STATUS_TEXT: Record<DrStatus, { label: string; tone: Tone }> = {
  ok: { label: 'RPO met', tone: 'green' },
  late: { label: 'Late', tone: 'amber' },
  failed: { label: 'Failed', tone: 'red' },
  never: { label: 'No point yet', tone: 'blue' },
  'failed-over': { label: 'Failed over', tone: 'accent' },
  'failing-back': { label: 'Failing back', tone: 'accent' },
  paused: { label: 'Paused', tone: 'gray' },
};

export function DrStatusBadge({ job }: { job: Pick<DrJobDto, 'status' | 'statusReason'> }) {
  const t = STATUS_TEXT[job.status];
  return (
    <StateBadge state={job.status} tone={t.tone} label={t.label} title={job.statusReason} data-testid="dr-status" />
  );
}

/** Seconds as "0 s", "42 s", "3m 05s", "2h 07m" (RPO, interval, targets: never milliseconds). */
export function formatSec(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  const s = Math.max(0, Math.round(sec));
  return s < 60 ? `${s} s` : formatDuration(s * 1000);
}

/** "RPO now / target"; nothing to measure once the replica took over. */
export function rpoText(job: Pick<DrJobDto, 'state' | 'rpoSec' | 'rpoTargetSec'>): string {
  return job.state === 'failed-over'
    ? 'replication stopped'
    : `${formatSec(job.rpoSec)} / ${formatSec(job.rpoTargetSec)}`;
}

/** "full (first copy)" / "incremental". */
export function pointKindText(p: Pick<ReplicaPointDto, 'kind' | 'fullReason'>): string {
  return p.kind === 'full' && p.fullReason ? `full (${p.fullReason})` : p.kind;
}

/** One line per point in choosers: time, kind, size. */
export function pointOptionText(p: ReplicaPointDto, newest: boolean): string {
  return `${formatDateTime(p.takenAt)} · ${p.kind} · ${formatBytes(p.bytesSent)} sent${newest ? ' (newest)' : ''}`;
}
