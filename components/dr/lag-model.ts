import type { LagSampleDto } from '@/lib/domain/dr/dto';

export type LagRow = { t: number; rpo: number; target: number };

/**
 * The lag series as chart rows: RPO in seconds with the target as a flat line. Each run gives two
 * samples at one instant (the drop of the sawtooth); the second is moved 1 ms later so every row
 * has a time of its own (the chart's tooltip and newest-point marker go by row), the drop staying
 * vertical to the eye.
 */
export function lagRows(samples: readonly LagSampleDto[], targetSec: number): LagRow[] {
  const rows: LagRow[] = [];
  for (const s of samples) {
    const at = Date.parse(s.at);
    if (!Number.isFinite(at) || !Number.isFinite(s.rpoSec)) continue;
    const prev = rows.at(-1)?.t;
    rows.push({ t: prev !== undefined && at <= prev ? prev + 1 : at, rpo: Math.max(0, s.rpoSec), target: targetSec });
  }
  return rows;
}
