// Fixed costs of a migration: all but the transfer (the worker taking the task, the target's set-up,
// noticing completion, the hand-over). Pure. Where the time goes was read from task-step timestamps
// on TCG (docs/BENCHMARKS.md): the components below are those measurements.
import type { FixedCostSource, MigrationMode } from './dto';

// A past migration of this mode.
export type PastRun = { durationMs: number; bytes: number };
export type FixedCosts = { ms: number; source: FixedCostSource; note: string };

const TASK_PICKUP_MS = 50; // the worker polls its queue every 100 ms
const TARGET_SETUP_MS = 30; // beyond QEMU's own start: the HTTP call, QMP set-up, marker files
// The source agent wakes on QEMU's events; the worker polls its operation (20 ms, then x1.5).
export const COMPLETION_POLLING_MS = 50;
const FINISH_MS = 20; // the target's finish call and the move recorded (the switch-over is in the copy)
// Storage: the target's disk and NBD export, the mirror started and READY, the export released
// before the resume (~250-300 ms more than shared mode on TCG).
const MIRROR_SETUP_MS = 250;
const TYPICAL_QEMU_START_MS = 300;

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2 ? s[Math.floor(mid)] : (s[mid - 1] + s[mid]) / 2;
};
const beyondTransfer = (r: PastRun, bytesPerSec: number) => Math.max(0, r.durationMs - (r.bytes / bytesPerSec) * 1000);
const migrations = (n: number) => (n === 1 ? 'migration' : `${n} migrations`);

// From the parts: the worker's pickup, the target's QEMU start as probed (else a typical TCG
// start) and set-up, the disk mirror's set-up (storage), noticing completion, the finish.
export function fixedPrior(mode: MigrationMode, qemuStartMs: number | null): FixedCosts {
  const start = qemuStartMs ?? TYPICAL_QEMU_START_MS;
  const ms =
    TASK_PICKUP_MS +
    start +
    TARGET_SETUP_MS +
    (mode === 'storage' ? MIRROR_SETUP_MS : 0) +
    COMPLETION_POLLING_MS +
    FINISH_MS;
  return qemuStartMs !== null
    ? {
        ms,
        source: 'probe',
        note: `Fixed costs ${ms} ms: the target's QEMU start as the link probe measured it (${start} ms), task pickup, progress polling and the hand-over; no migration of this kind measured yet.`,
      }
    : {
        ms,
        source: 'default',
        note: `Fixed costs ${ms} ms assumed (a typical QEMU start, task pickup, progress polling and the hand-over): nothing measured between these hosts yet.`,
      };
}

// What past migrations of this mode took beyond their transfer at the link's rate; the median, so
// one slow run does not move it. The probe-based prior counts as one more sample (it steadies the
// first few).
export function fixedFromHistory(
  runs: readonly PastRun[],
  bytesPerSec: number,
  prior: FixedCosts | null = null,
): FixedCosts | null {
  const warm = runs.filter((r) => r.durationMs > 0).map((r) => beyondTransfer(r, bytesPerSec));
  if (!warm.length) return null;
  const withPrior = prior?.source === 'probe';
  const ms = Math.round(median(withPrior ? [...warm, prior.ms] : warm));
  return {
    ms,
    source: 'history',
    note: `Fixed costs ${ms} ms (task pickup, target QEMU start, hand-over): the median over the last ${migrations(warm.length)} of this kind, beyond their transfer${withPrior ? `, and the link probe's figure (${prior.ms} ms)` : ''}.`,
  };
}
