import { formatBytes, formatBytesPerSec, formatClock, formatCompact, formatPercent } from '@/lib/format';

export type ChartUnit = 'percent' | 'bytes' | 'bytesPerSec' | 'number';

export function formatValue(unit: ChartUnit, v: number | null | undefined): string {
  switch (unit) {
    case 'percent':
      return formatPercent(v);
    case 'bytes':
      return formatBytes(v);
    case 'bytesPerSec':
      return formatBytesPerSec(v);
    default:
      return formatCompact(v);
  }
}

/** Axis ticks: shorter than tooltip values. */
export function formatTick(unit: ChartUnit, v: number): string {
  switch (unit) {
    case 'percent':
      return `${Math.round(v)}%`;
    case 'bytes':
      return formatBytes(v, 0);
    case 'bytesPerSec':
      return formatBytesPerSec(v, 0);
    default:
      return formatCompact(v);
  }
}

/**
 * Y ticks from 0 that read well: quarters for percentages (at least to 100), power-of-two steps
 * for bytes (16 GiB, 32 GiB...). Undefined for plain numbers: recharts' own nice ticks do.
 */
export function valueTicks(unit: ChartUnit, max: number): number[] | undefined {
  if (unit === 'number') return undefined;
  if (unit === 'percent') {
    const top = Math.max(100, Math.ceil(max / 25) * 25);
    return range(0, top, top / 4);
  }
  if (!(max > 0)) return [0, 1024];
  const step = 2 ** Math.ceil(Math.log2(max / 4));
  return range(0, Math.ceil(max / step) * step, step);
}

const TIME_STEPS = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200].map((s) => s * 1000);

/** X ticks on round clock times (every 2 min, 5 min, 1 h, ...), at most about `target` of them. */
export function timeTicks(min: number, max: number, target = 6): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const step = TIME_STEPS.find((s) => span / s <= target) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const offset = new Date(min).getTimezoneOffset() * 60_000; // align to local wall-clock multiples
  const first = Math.ceil((min - offset) / step) * step + offset;
  const ticks = range(first, max, step);
  return ticks.length >= 2 ? ticks : [min, max];
}

export function formatTimeTick(t: number, span: number): string {
  return span > DAY_MS ? formatDomainTick(t, span) : formatClock(t, span < 5 * 60_000);
}

/** X domain of points in time, padded so a lone point or one at the edge stays off the axis ends. */
export function paddedTimeDomain(ts: number[]): { domain: [number, number]; span: number } {
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const pad = Math.max((t1 - t0) * 0.06, 5 * 60_000);
  return { domain: [t0 - pad, t1 + pad], span: t1 - t0 + 2 * pad };
}

const DAY_MS = 86_400_000;
const DAY_TICKS_OVER = 3 * DAY_MS; // longer spans tick on whole days (the clock would not fit)

/**
 * Ticks across a padded time domain: round clock times (timeTicks) up to a few days, then whole
 * local days, about `target` of them (recharts alone puts them only under the points).
 */
export function domainTimeTicks([min, max]: [number, number], target = 6): number[] {
  if (max - min <= DAY_TICKS_OVER) return timeTicks(min, max, target);
  const step = Math.ceil((max - min) / DAY_MS / target);
  const first = new Date(min);
  first.setHours(24, 0, 0, 0); // the first local midnight after min
  const ticks: number[] = [];
  for (const d = first; d.getTime() <= max; d.setDate(d.getDate() + step)) ticks.push(d.getTime());
  return ticks;
}

/** Tick of a time axis over `span` ms: the clock, with the date once the span passes a day. */
export function formatPointTimeTick(t: number, span: number): string {
  if (span <= DAY_MS) return formatClock(t);
  const d = new Date(t);
  return `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${formatClock(t)}`;
}

/** Label of a domainTimeTicks tick: the clock, the date and clock, or the date alone on day ticks. */
export function formatDomainTick(t: number, span: number): string {
  return span > DAY_TICKS_OVER ? formatPointTimeTick(t, span).slice(0, 5) : formatPointTimeTick(t, span);
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to + step / 1e6; v += step) out.push(v);
  return out;
}

// Series colours (hex: SVG presentation attributes do not take CSS variables everywhere).
export const SERIES_COLORS = ['#6366f1', '#0ea5e9', '#f59e0b', '#10b981', '#f43f5e'] as const;
