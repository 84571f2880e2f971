// Per-VM protection, pure: the newest good point's age against the schedule of the jobs that
// cover the VM. Within 1.5 intervals is protected (a run may be in progress or a little late);
// beyond is late; a failed last run for this VM is failed; no enabled job is unprotected.
import type { ProtectionStatus } from './dto';

export const LATE_AFTER_INTERVALS = 1.5;

export type ProtectionInput = {
  jobs: { enabled: boolean; intervalMs: number }[];
  lastPointAt: Date | null;
  lastRun: { state: 'succeeded' | 'failed' | 'skipped'; error: string | null; at: Date } | null;
  now: Date;
};

function ago(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} d`;
}

export function protectionOf(i: ProtectionInput): {
  status: ProtectionStatus;
  reason: string;
  intervalMs: number | null;
} {
  const enabled = i.jobs.filter((j) => j.enabled);
  if (!enabled.length)
    return {
      status: 'unprotected',
      reason: i.jobs.length ? 'only disabled backup jobs cover this VM' : 'no backup job covers this VM',
      intervalMs: null,
    };
  const intervalMs = Math.min(...enabled.map((j) => j.intervalMs));
  if (i.lastRun?.state === 'failed')
    return { status: 'failed', reason: `the last backup failed: ${i.lastRun.error ?? 'unknown error'}`, intervalMs };
  if (!i.lastPointAt) return { status: 'late', reason: 'no restore point yet', intervalMs };
  const age = i.now.getTime() - i.lastPointAt.getTime();
  const words = `last good point ${ago(age)} ago, schedule every ${ago(intervalMs)}`;
  return { status: age <= LATE_AFTER_INTERVALS * intervalMs ? 'protected' : 'late', reason: words, intervalMs };
}
