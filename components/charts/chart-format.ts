import { formatBytes, formatBytesPerSec, formatCompact, formatPercent } from '@/lib/format';

export type ChartUnit = 'percent' | 'bytes' | 'bytesPerSec' | 'number';

export function formatValue(unit: ChartUnit, v: number | null | undefined): string {
  switch (unit) {
    case 'percent': return formatPercent(v);
    case 'bytes': return formatBytes(v);
    case 'bytesPerSec': return formatBytesPerSec(v);
    default: return formatCompact(v);
  }
}

/** Axis ticks: shorter than tooltip values. */
export function formatTick(unit: ChartUnit, v: number): string {
  switch (unit) {
    case 'percent': return `${Math.round(v)}%`;
    case 'bytes': return formatBytes(v, 0);
    case 'bytesPerSec': return formatBytesPerSec(v, 0);
    default: return formatCompact(v);
  }
}

// Series colours (hex: SVG presentation attributes do not take CSS variables everywhere).
export const SERIES_COLORS = ['#6366f1', '#0ea5e9', '#f59e0b', '#10b981', '#f43f5e'] as const;
