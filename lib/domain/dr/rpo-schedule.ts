// When the next replication run starts (pure; docs/ARCHITECTURE.md, "Disaster recovery"). RPO =
// now - the newest point's takenAt, so a run must COMMIT within one interval of the previous
// point's takenAt: it is due a margin earlier, the margin being 1.5 x the recent run duration
// (start -> commit, the median of the last RECENT_RUNS, at least MIN_MARGIN_MS), plus the
// scheduler's tick (a due run waits up to one tick to be queued). Never in the past.

export const RECENT_RUNS = 5;
export const SCHEDULER_TICK_MS = 2_000; // the worker checks for due replication runs this often
export const MIN_MARGIN_MS = 1000;
const MARGIN_FACTOR = 1.5;

export type RpoScheduleInput = {
  takenAt: Date; // the newest point's instant (or, for a run starting now, about now)
  intervalSec: number;
  recentDurationsMs: number[]; // succeeded runs, any order; only the newest RECENT_RUNS are given
  now: Date;
};

export function medianMs(values: number[]): number | null {
  const xs = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function rpoMarginMs(recentDurationsMs: number[]): number {
  const median = medianMs(recentDurationsMs.slice(0, RECENT_RUNS));
  return Math.max(MIN_MARGIN_MS, Math.round(MARGIN_FACTOR * (median ?? 0)));
}

export function rpoNextRunAt({ takenAt, intervalSec, recentDurationsMs, now }: RpoScheduleInput): Date {
  const at = takenAt.getTime() + intervalSec * 1000 - rpoMarginMs(recentDurationsMs) - SCHEDULER_TICK_MS;
  return new Date(Math.max(now.getTime(), at));
}
