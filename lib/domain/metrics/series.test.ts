import { describe, expect, it } from 'vitest';
import { bucketize, combineHosts, withRates } from './series';

describe('withRates', () => {
  it('turns counters into bytes per second', () => {
    const r = withRates([
      { t: 0, cpuPct: 1, diskRdBytes: 0, diskWrBytes: 0 },
      { t: 5000, cpuPct: 1, diskRdBytes: 5000, diskWrBytes: 10_000 },
    ]);
    expect(r[0].diskRdBps).toBeUndefined();
    expect(r[1]).toMatchObject({ diskRdBps: 1000, diskWrBps: 2000 });
  });
  it('counts a counter reset (VM restart) as zero, not negative', () => {
    const r = withRates([
      { t: 0, cpuPct: 0, diskRdBytes: 9000, diskWrBytes: 9000 },
      { t: 1000, cpuPct: 0, diskRdBytes: 10, diskWrBytes: 10 },
    ]);
    expect(r[1]).toMatchObject({ diskRdBps: 0, diskWrBps: 0 });
  });
});

describe('bucketize', () => {
  it('averages samples into aligned buckets and leaves gaps for missing data', () => {
    const pts = bucketize(
      [
        { t: 30_000, cpuPct: 10, memUsedBytes: 100 },
        { t: 35_000, cpuPct: 30, memUsedBytes: 300 },
        { t: 120_000, cpuPct: 50, memUsedBytes: 500 },
      ],
      30,
    );
    expect(pts).toEqual([
      { t: 30_000, cpuPct: 20, memUsedBytes: 200 },
      { t: 120_000, cpuPct: 50, memUsedBytes: 500 },
    ]);
  });
});

describe('combineHosts', () => {
  it('averages CPU and sums memory per bucket', () => {
    const out = combineHosts([
      [{ t: 0, cpuPct: 10, memUsedBytes: 1, memTotalBytes: 10, load1: 0.5 }],
      [
        { t: 0, cpuPct: 30, memUsedBytes: 2, memTotalBytes: 10, load1: 1 },
        { t: 5, cpuPct: 40, memUsedBytes: 3, memTotalBytes: 10 },
      ],
    ]);
    expect(out).toEqual([
      { t: 0, cpuPct: 20, memUsedBytes: 3, memTotalBytes: 20, load1: 1.5 },
      { t: 5, cpuPct: 40, memUsedBytes: 3, memTotalBytes: 10, load1: 0 },
    ]);
  });
});
