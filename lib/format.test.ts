import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatBytesPerSec,
  formatClock,
  formatCompact,
  formatDateTime,
  formatDuration,
  formatMiB,
  formatPercent,
  formatRatio,
  formatRelativeTime,
  shortHash,
} from './format';

describe('formatBytes', () => {
  it('uses binary units and trims zeros', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8 GiB');
    expect(formatBytes(1.25 * 1024 ** 4, 2)).toBe('1.25 TiB');
  });
  it('handles negatives and missing values', () => {
    expect(formatBytes(-2048)).toBe('-2 KiB');
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
  it('formats throughput and MiB', () => {
    expect(formatBytesPerSec(3 * 1024 * 1024)).toBe('3 MiB/s');
    expect(formatBytesPerSec(null)).toBe('—');
    expect(formatMiB(2048)).toBe('2 GiB');
    expect(formatMiB(512)).toBe('512 MiB');
  });
});

describe('percentages', () => {
  it('formats percentages with one decimal by default', () => {
    expect(formatPercent(12.345)).toBe('12.3%');
    expect(formatPercent(50)).toBe('50%');
    expect(formatPercent(99.96)).toBe('100%');
    expect(formatPercent(undefined)).toBe('—');
  });
  it('formats clamped ratios', () => {
    expect(formatRatio(0.421)).toBe('42%');
    expect(formatRatio(1.5)).toBe('100%');
    expect(formatRatio(-1)).toBe('0%');
  });
});

describe('formatDuration', () => {
  it('picks a readable unit', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(2 * 3_600_000 + 7 * 60_000)).toBe('2h 07m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
  });
  it('rejects negative or missing input', () => {
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('formatRelativeTime', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  it('describes the past', () => {
    expect(formatRelativeTime(now - 2_000, now)).toBe('just now');
    expect(formatRelativeTime(now - 42_000, now)).toBe('42 s ago');
    expect(formatRelativeTime('2025-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelativeTime(new Date(now - 3 * 3_600_000), now)).toBe('3 h ago');
    expect(formatRelativeTime(now - 2 * 86_400_000, now)).toBe('2 d ago');
  });
  it('describes the future and bad input', () => {
    expect(formatRelativeTime(now + 5 * 60_000, now)).toBe('in 5 min');
    expect(formatRelativeTime('not a date', now)).toBe('—');
    expect(formatRelativeTime(null, now)).toBe('—');
  });
});

describe('clock and date', () => {
  it('formats local wall-clock time', () => {
    const t = new Date(2025, 0, 2, 9, 5, 7).getTime();
    expect(formatClock(t)).toBe('09:05');
    expect(formatClock(t, true)).toBe('09:05:07');
    expect(formatDateTime(t)).toBe('2025-01-02 09:05:07');
    expect(formatClock(undefined)).toBe('—');
  });
});

describe('misc', () => {
  it('compacts numbers', () => {
    expect(formatCompact(1234)).toBe('1.2k');
    expect(formatCompact(2_500_000)).toBe('2.5M');
    expect(formatCompact(0.5)).toBe('0.5');
  });
  it('shortens hashes', () => {
    const sha = 'a'.repeat(60) + 'beef';
    expect(shortHash(sha)).toBe('aaaaaaaa…beef');
    expect(shortHash('abc')).toBe('abc');
    expect(shortHash('')).toBe('—');
  });
});
