import { describe, expect, it } from 'vitest';
import { MIN_MARGIN_MS, medianMs, rpoMarginMs, rpoNextRunAt, SCHEDULER_TICK_MS } from './rpo-schedule';

const t0 = new Date('2026-12-06T19:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('RPO scheduling', () => {
  it('is due 1.5 x the median recent duration and one scheduler tick before the interval ends', () => {
    // Durations 2, 4, 3 s: median 3 s -> margin 4.5 s, + the 2 s tick; interval 15 s -> 8.5 s after takenAt.
    const next = rpoNextRunAt({ takenAt: t0, intervalSec: 15, recentDurationsMs: [2000, 4000, 3000], now: at(1000) });
    expect(next).toEqual(at(15_000 - 4_500 - SCHEDULER_TICK_MS));
  });

  it('takes the median of the newest five only, so one slow run long ago does not count', () => {
    expect(rpoMarginMs([1000, 1000, 1000, 1000, 1000, 60_000])).toBe(1500);
    // One outlier among five moves a median not at all (a mean would).
    expect(rpoMarginMs([1000, 1000, 90_000, 1000, 1000])).toBe(1500);
    expect(medianMs([4, 1, 3, 2])).toBe(2.5);
    expect(medianMs([])).toBeNull();
  });

  it('keeps a margin of at least one second (no history, or instant runs)', () => {
    expect(rpoMarginMs([])).toBe(MIN_MARGIN_MS);
    expect(rpoMarginMs([10, 20])).toBe(MIN_MARGIN_MS);
    expect(rpoNextRunAt({ takenAt: t0, intervalSec: 15, recentDurationsMs: [], now: t0 })).toEqual(
      at(15_000 - MIN_MARGIN_MS - SCHEDULER_TICK_MS),
    );
  });

  it('is never earlier than now: a run longer than the interval is followed at once', () => {
    const now = at(20_000);
    expect(rpoNextRunAt({ takenAt: t0, intervalSec: 15, recentDurationsMs: [12_000], now })).toEqual(now);
    // A late point (the previous run failed) is also made up at once.
    expect(rpoNextRunAt({ takenAt: at(-60_000), intervalSec: 15, recentDurationsMs: [1000], now: t0 })).toEqual(t0);
  });

  it('ignores nonsense durations', () => {
    expect(rpoMarginMs([Number.NaN, -5, 2000])).toBe(3000);
  });
});
