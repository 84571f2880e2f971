export const METRIC_RANGES = { '15m': 15 * 60, '1h': 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 } as const;
export type MetricRange = keyof typeof METRIC_RANGES;

// One point of a time series; values absent when the source did not report them.
export type MetricPoint = {
  t: number; // epoch ms
  cpuPct: number;
  memUsedBytes?: number;
  memTotalBytes?: number;
  load1?: number;
  diskRdBps?: number; // bytes/s derived from counters
  diskWrBps?: number;
};

export type SeriesDto = { range: MetricRange; stepSec: number; points: MetricPoint[] };
