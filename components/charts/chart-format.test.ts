import { describe, expect, it } from 'vitest';
import { formatTick, formatValue, timeTicks, valueTicks } from './chart-format';

const GiB = 1024 ** 3;

describe('valueTicks', () => {
  it('uses quarters up to at least 100 for percentages', () => {
    expect(valueTicks('percent', 42)).toEqual([0, 25, 50, 75, 100]);
    expect(valueTicks('percent', 180)).toEqual([0, 50, 100, 150, 200]);
  });
  it('uses power-of-two steps for bytes', () => {
    expect(valueTicks('bytes', 47 * GiB)).toEqual([0, 16 * GiB, 32 * GiB, 48 * GiB]);
    expect(valueTicks('bytesPerSec', 3000)).toEqual([0, 1024, 2048, 3072]);
    expect(valueTicks('bytes', 0)).toEqual([0, 1024]);
  });
  it('leaves plain numbers to recharts', () => {
    expect(valueTicks('number', 3)).toBeUndefined();
  });
});

describe('timeTicks', () => {
  it('puts a handful of ticks on round minutes', () => {
    const start = new Date(2025, 0, 1, 10, 0, 40).getTime();
    const ticks = timeTicks(start, start + 15 * 60_000);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(6);
    for (const t of ticks) expect(new Date(t).getSeconds()).toBe(0);
    expect(new Date(ticks[1]).getMinutes() - new Date(ticks[0]).getMinutes()).toBe(5);
  });
  it('falls back to the ends for very short spans', () => {
    expect(timeTicks(1000, 1000)).toEqual([1000]);
    expect(timeTicks(1_000, 4_000)).toEqual([1_000, 4_000]);
  });
});

describe('formatting', () => {
  it('formats by unit', () => {
    expect(formatValue('percent', 12.34)).toBe('12.3%');
    expect(formatValue('bytesPerSec', 2048)).toBe('2 KiB/s');
    expect(formatTick('bytes', 16 * GiB)).toBe('16 GiB');
    expect(formatTick('percent', 75)).toBe('75%');
  });
});
