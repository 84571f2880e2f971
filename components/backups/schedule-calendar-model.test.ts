import { describe, expect, it } from 'vitest';
import { calendarDays, zoned } from './schedule-calendar-model';

describe('zoned', () => {
  it('gives the day and clock in the job timezone, not UTC', () => {
    expect(zoned('2026-11-23T03:00:00Z', 'UTC')).toEqual({ day: '2026-11-23', time: '03:00' });
    expect(zoned('2026-11-23T03:00:00Z', 'America/New_York')).toEqual({ day: '2026-11-22', time: '22:00' });
    expect(zoned('2026-11-23T23:30:00Z', 'Asia/Tokyo')).toEqual({ day: '2026-11-24', time: '08:30' });
  });
});

describe('calendarDays', () => {
  it('lays nightly runs on Monday-first weeks with empty days before the first run', () => {
    // 2026-11-25 is a Wednesday.
    const runs = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, 10, 25 + i, 3)).toISOString());
    const days = calendarDays(runs, 'UTC');
    expect(days).toHaveLength(14);
    expect(days[0]).toEqual({ day: '2026-11-23', times: [] });
    expect(days[2]).toEqual({ day: '2026-11-25', times: ['03:00'] });
    expect(days.filter((d) => d.times.length).map((d) => d.day)).toEqual(runs.map((r) => r.slice(0, 10)));
  });

  it('groups several runs a day and caps the weeks shown', () => {
    const hourly = Array.from({ length: 5 }, (_, i) => new Date(Date.UTC(2026, 10, 23, i)).toISOString());
    expect(calendarDays(hourly, 'UTC')[0].times).toEqual(['00:00', '01:00', '02:00', '03:00', '04:00']);
    const monthly = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, i, 1, 3)).toISOString());
    expect(calendarDays(monthly, 'UTC', 5)).toHaveLength(35);
  });

  it('crosses a daylight-saving change without shifting days', () => {
    const runs = ['2026-03-28T02:00:00Z', '2026-03-29T01:00:00Z', '2026-03-30T01:00:00Z']; // 03:00 in Paris, CET then CEST
    expect(calendarDays(runs, 'Europe/Paris').filter((d) => d.times.length)).toEqual([
      { day: '2026-03-28', times: ['03:00'] },
      { day: '2026-03-29', times: ['03:00'] },
      { day: '2026-03-30', times: ['03:00'] },
    ]);
  });

  it('is empty without runs', () => {
    expect(calendarDays([], 'UTC')).toEqual([]);
  });
});
