import { StateBadge, type Tone } from '@/components/ui/badge';
import type { DrFailbackDto, DrJobDto, DrStatus, ReplicaPointDto } from '@/lib/domain/dr/dto';
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
  if (job.state === 'failed-over') return 'replication stopped';
  if (job.state === 'failing-back') return 'replicating back';
  return `${formatSec(job.rpoSec)} / ${formatSec(job.rpoTargetSec)}`;
}

/** "full (first copy)" / "incremental". */
export function pointKindText(p: Pick<ReplicaPointDto, 'kind' | 'fullReason'>): string {
  return p.kind === 'full' && p.fullReason ? `full (${p.fullReason})` : p.kind;
}

/** One line per point in choosers: time, kind, size. */
export function pointOptionText(p: ReplicaPointDto, newest: boolean): string {
  return `${formatDateTime(p.takenAt)} · ${p.kind} · ${formatBytes(p.layerBytes)} sent${newest ? ' (newest)' : ''}`;
}

/** "2 reverse runs · 12 MiB sent (4 MiB pulled) against a full copy of 64 MiB". */
export function failbackText(
  f: Pick<DrFailbackDto, 'reverseRuns' | 'bytesSent' | 'bytesPulled' | 'fullCopyBytes'>,
): string {
  const runs = `${f.reverseRuns} reverse run${f.reverseRuns === 1 ? '' : 's'}`;
  const pulled = f.bytesPulled ? ` (${formatBytes(f.bytesPulled)} pulled)` : '';
  return `${runs} · ${formatBytes(f.bytesSent + f.bytesPulled)} sent${pulled} against a full copy of ${formatBytes(f.fullCopyBytes)}`;
}
