// Pure time-series shaping: raw counter samples -> evenly stepped points for the charts. The
// database computes the series (queries.ts) so that samples never reach Node; this is the
// definition it must match (rollup.integ.ts compares the two on SQLite and PostgreSQL).

import type { MetricPoint } from './dto';

export type RawSample = {
  t: number; // epoch ms
  cpuPct: number;
  memUsedBytes?: number;
  memTotalBytes?: number;
  load1?: number;
  diskRdBytes?: number; // cumulative counters
  diskWrBytes?: number;
};

// Counters become rates between consecutive samples; a counter that went down (the VM
// restarted) starts over, so that interval counts as 0 rather than a negative spike.
export function withRates(samples: RawSample[]): (RawSample & { diskRdBps?: number; diskWrBps?: number })[] {
  return samples.map((s, i) => {
    const prev = samples[i - 1];
    if (!prev || s.diskRdBytes === undefined || prev.diskRdBytes === undefined) return { ...s };
    const dt = (s.t - prev.t) / 1000;
    const rate = (a?: number, b?: number) =>
      a === undefined || b === undefined || dt <= 0 ? undefined : Math.max(0, (a - b) / dt);
    return { ...s, diskRdBps: rate(s.diskRdBytes, prev.diskRdBytes), diskWrBps: rate(s.diskWrBytes, prev.diskWrBytes) };
  });
}

const mean = (xs: (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
};

// Averages samples into buckets of stepSec aligned to the epoch (so series of several hosts
// line up bucket for bucket). Empty buckets are left out: the chart shows a gap, not a zero.
export function bucketize(samples: RawSample[], stepSec: number): MetricPoint[] {
  const stepMs = stepSec * 1000;
  const buckets = new Map<number, ReturnType<typeof withRates>>();
  for (const s of withRates(samples)) {
    const key = Math.floor(s.t / stepMs) * stepMs;
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = []));
    b.push(s);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, b]) => {
      const p: MetricPoint = { t, cpuPct: mean(b.map((s) => s.cpuPct)) ?? 0 };
      const fields = ['memUsedBytes', 'memTotalBytes', 'load1', 'diskRdBps', 'diskWrBps'] as const;
      for (const f of fields) {
        const m = mean(b.map((s) => s[f]));
        if (m !== undefined) p[f] = m;
      }
      return p;
    });
}

// Cluster view: CPU is the mean over hosts reporting in a bucket, memory is summed.
export function combineHosts(perHost: MetricPoint[][]): MetricPoint[] {
  const byT = new Map<number, MetricPoint[]>();
  for (const series of perHost) for (const p of series) (byT.get(p.t) ?? byT.set(p.t, []).get(p.t)!).push(p);
  return [...byT.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, ps]) => ({
      t,
      cpuPct: ps.reduce((a, p) => a + p.cpuPct, 0) / ps.length,
      memUsedBytes: ps.reduce((a, p) => a + (p.memUsedBytes ?? 0), 0),
      memTotalBytes: ps.reduce((a, p) => a + (p.memTotalBytes ?? 0), 0),
      load1: ps.reduce((a, p) => a + (p.load1 ?? 0), 0),
    }));
}
