import { describe, expect, it } from 'vitest';
import {
  domainTimeTicks,
  formatDomainTick,
  formatPointTimeTick,
  formatTick,
  formatValue,
  paddedTimeDomain,
  timeTicks,
  valueTicks,
} from './chart-format';

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

describe('paddedTimeDomain', () => {
  it('keeps a lone point 5 minutes off each end and pads a range by 6 %', () => {
    expect(paddedTimeDomain([1_000_000_000])).toEqual({
      domain: [1_000_000_000 - 300_000, 1_000_000_000 + 300_000],
      span: 600_000,
    });
    const day = 86_400_000;
    const { domain, span } = paddedTimeDomain([0, 10 * day, 3 * day]);
    expect(domain).toEqual([-0.6 * day, 10.6 * day]);
    expect(span).toBeCloseTo(11.2 * day);
  });
  it('shows the date on ticks once the span passes a day', () => {
    const t = new Date(2026, 11, 6, 9, 5).getTime();
    expect(formatPointTimeTick(t, 3_600_000)).toBe('09:05');
    expect(formatPointTimeTick(t, 2 * 86_400_000)).toBe('12-06 09:05');
  });
});

describe('domainTimeTicks', () => {
  it('uses round clock times over a short span', () => {
    const t0 = new Date(2026, 11, 6, 15, 52, 10).getTime();
    const ticks = domainTimeTicks([t0, t0 + 11 * 60_000]);
    expect(ticks.map((t) => new Date(t).getMinutes())).toEqual([54, 56, 58, 0, 2]);
  });
  it('uses whole local days, about six, over weeks', () => {
    const t0 = new Date(2026, 10, 6, 9, 30).getTime();
    const ticks = domainTimeTicks([t0, new Date(2026, 11, 6, 9, 30).getTime()]);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(ticks.length).toBeLessThanOrEqual(7);
    for (const t of ticks) expect([new Date(t).getHours(), new Date(t).getMinutes()]).toEqual([0, 0]);
    expect(new Date(ticks[0]).getDate()).toBe(7);
    expect(formatDomainTick(ticks[0], 30 * 86_400_000)).toBe('11-07');
    expect(formatDomainTick(ticks[0], 2 * 86_400_000)).toBe('11-07 00:00');
  });
});
