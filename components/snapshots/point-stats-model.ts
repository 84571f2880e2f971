// The cluster chart's bars: one per UTC day of the range (days without points included, so the
// axis is even), one stacked value per kind of point.
import type { PointStatsDayDto, PointStatsKind } from '@/lib/domain/snapshots/dto';

export const STATS_KIND_ORDER: PointStatsKind[] = ['backup', 'snapshot', 'checkpoint', 'group-checkpoint'];
export type StatsBar = { label: string; day: string } & Record<PointStatsKind, number>;

const DAY_MS = 86_400_000;

export function statsBars(
  rows: PointStatsDayDto[],
  days: number,
  metric: 'count' | 'sizeBytes',
  now: number,
): StatsBar[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const bars = new Map<string, StatsBar>();
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(today - i * DAY_MS).toISOString().slice(0, 10);
    bars.set(day, {
      day,
      label: `${day.slice(8, 10)}/${day.slice(5, 7)}`,
      backup: 0,
      snapshot: 0,
      checkpoint: 0,
      'group-checkpoint': 0,
    });
  }
  for (const r of rows) {
    const bar = bars.get(r.day);
    if (bar) bar[r.kind] += r[metric];
  }
  return [...bars.values()];
}
