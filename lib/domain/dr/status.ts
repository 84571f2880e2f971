// Pure rules of the RPO status and the lag chart (no database): the queries feed them rows.
import { formatDuration } from '@/lib/format';
import type { DrStatus, LagSampleDto } from './dto';

export type StatusInput = {
  enabled: boolean;
  state: string; // job state: active | failed-over | failing-back
  lastFinishedRun: { status: string; error: string | null } | null; // the newest finished run
  newestTakenAt: Date | null;
  rpoTargetSec: number;
};
export type StatusVerdict = { status: DrStatus; reason: string; rpoSec: number | null };

const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

const formatAge = (sec: number) => formatDuration(sec * 1000);

// RPO = the age of the newest point: what a failover now would lose at most. The order says what
// an operator must see first: a failed-over or paused job is not "late", a failed run hides the
// RPO figure's cause.
export function drStatus(input: StatusInput, now: Date): StatusVerdict {
  const rpoSec = input.newestTakenAt ? seconds(now.getTime() - input.newestTakenAt.getTime()) : null;
  if (input.state === 'failed-over')
    return { status: 'failed-over', reason: 'The replica took over: replication stopped', rpoSec };
  if (input.state === 'failing-back')
    return {
      status: 'failing-back',
      reason:
        input.lastFinishedRun?.status === 'failed'
          ? `Failing back; the last reverse run failed: ${input.lastFinishedRun.error ?? 'no reason given'}`
          : 'The replica replicates back into the original disk; complete the failback to switch back',
      rpoSec: null,
    };
  if (!input.enabled) return { status: 'paused', reason: 'The job is disabled: no runs until enabled', rpoSec };
  if (input.lastFinishedRun?.status === 'failed')
    return {
      status: 'failed',
      reason: `The last run failed: ${input.lastFinishedRun.error ?? 'no reason given'}`,
      rpoSec,
    };
  if (rpoSec === null)
    return { status: 'never', reason: 'No replica point yet: the first run has not finished', rpoSec };
  if (rpoSec > input.rpoTargetSec)
    return {
      status: 'late',
      reason: `The newest point is ${formatAge(rpoSec)} old; the target is ${formatAge(input.rpoTargetSec)}`,
      rpoSec,
    };
  return { status: 'ok', reason: `Within the target of ${formatAge(input.rpoTargetSec)}`, rpoSec };
}

// A successful run: when it finished and the instant its point holds the data of.
export type LagRun = { finishedAt: Date; takenAt: Date };

// The sawtooth of the lag chart: the RPO rises with time and drops at each successful run's
// finish (two samples at that instant: the age of the previous point just before, of the new one
// after), then one sample at `now`. Runs come in any order; the one before the window (if given)
// says where the line starts at `from`.
export function lagSeries(runs: LagRun[], from: Date, now: Date): LagSampleDto[] {
  const sorted = [...runs].sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
  const out: LagSampleDto[] = [];
  const sample = (at: Date, takenAt: Date) =>
    out.push({ at: at.toISOString(), rpoSec: seconds(at.getTime() - takenAt.getTime()) });
  let newest: Date | null = null; // takenAt of the newest point in effect
  let started = false;
  for (const r of sorted) {
    if (r.finishedAt.getTime() >= from.getTime()) {
      if (!started && newest) sample(from, newest);
      started = true;
      if (newest) sample(r.finishedAt, newest);
    }
    if (!newest || r.takenAt.getTime() > newest.getTime()) newest = r.takenAt;
    if (started) sample(r.finishedAt, newest);
  }
  if (newest) {
    if (!started) sample(from, newest);
    sample(now, newest);
  }
  return out;
}
