import { describe, expect, it } from 'vitest';
import { applyRetention, isoWeek, periodKey } from './retention';

const none = { keepLast: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };
const pts = (...iso: string[]) => iso.map((t, i) => ({ id: `p${i}`, takenAt: new Date(t) }));
const kept = (r: ReturnType<typeof applyRetention>) =>
  r
    .filter((d) => d.keep)
    .map((d) => d.id)
    .sort();

// Nightly points at 02:00 UTC from 2026-01-01 for 120 days.
const nightly = Array.from({ length: 120 }, (_, i) => ({
  id: `n${String(i).padStart(3, '0')}`,
  takenAt: new Date(Date.UTC(2026, 0, 1 + i, 2)),
}));

describe('applyRetention (GFS)', () => {
  const cases: {
    name: string;
    points: { id: string; takenAt: Date }[];
    policy: Partial<typeof none>;
    tz?: string;
    keep: string[];
  }[] = [
    {
      name: 'nothing kept by an empty policy',
      points: pts('2026-01-01T00:00Z', '2026-01-02T00:00Z'),
      policy: {},
      keep: [],
    },
    {
      name: 'keep-last 2 keeps the two newest',
      points: pts('2026-01-01T00:00Z', '2026-01-03T00:00Z', '2026-01-02T00:00Z'),
      policy: { keepLast: 2 },
      keep: ['p1', 'p2'],
    },
    {
      name: 'keep-last larger than the list keeps all',
      points: pts('2026-01-01T00:00Z', '2026-01-02T00:00Z'),
      policy: { keepLast: 5 },
      keep: ['p0', 'p1'],
    },
    {
      name: 'daily keeps the newest of each day',
      points: pts('2026-01-01T01:00Z', '2026-01-01T23:00Z', '2026-01-02T05:00Z'),
      policy: { daily: 2 },
      keep: ['p1', 'p2'],
    },
    {
      name: 'daily counts days that have points, not calendar days',
      points: pts('2026-01-01T01:00Z', '2026-01-05T01:00Z', '2026-01-09T01:00Z'),
      policy: { daily: 2 },
      keep: ['p1', 'p2'],
    },
    {
      name: 'daily in the job timezone: 23:30 UTC is the next day in Paris',
      points: pts('2026-01-01T22:00Z', '2026-01-01T23:30Z'),
      policy: { daily: 2 },
      tz: 'Europe/Paris',
      keep: ['p0', 'p1'],
    },
    {
      name: 'the same two points are one UTC day',
      points: pts('2026-01-01T22:00Z', '2026-01-01T23:30Z'),
      policy: { daily: 2 },
      keep: ['p1'],
    },
    {
      name: 'weekly uses ISO weeks (Sunday and Monday differ)',
      points: pts('2026-01-04T12:00Z', '2026-01-05T12:00Z', '2026-01-06T12:00Z'),
      policy: { weekly: 2 },
      keep: ['p0', 'p2'],
    },
    {
      name: 'monthly keeps the newest of each month',
      points: pts('2026-01-10T00:00Z', '2026-01-31T00:00Z', '2026-02-01T00:00Z'),
      policy: { monthly: 3 },
      keep: ['p1', 'p2'],
    },
    {
      name: 'yearly',
      points: pts('2024-06-01T00:00Z', '2025-03-01T00:00Z', '2025-12-31T00:00Z', '2026-01-01T00:00Z'),
      policy: { yearly: 2 },
      keep: ['p2', 'p3'],
    },
    {
      name: 'rules combine: keep-last 1 + monthly 2',
      points: pts('2026-01-15T00:00Z', '2026-02-10T00:00Z', '2026-02-20T00:00Z'),
      policy: { keepLast: 1, monthly: 2 },
      keep: ['p0', 'p2'],
    },
  ];
  it.each(cases)('$name', ({ points, policy, tz, keep }) => {
    expect(kept(applyRetention(points, { ...none, ...policy }, tz ?? 'UTC'))).toEqual(keep);
  });

  it('a classic GFS (7 daily, 4 weekly, 3 monthly) over 120 nightly points keeps 7 + distinct weeks/months', () => {
    const r = applyRetention(nightly, { keepLast: 0, daily: 7, weekly: 4, monthly: 3, yearly: 1 }, 'UTC');
    const keptIds = kept(r);
    // daily: days 113..119; weekly: newest of the 4 newest ISO weeks (3 Sundays + the newest point);
    // monthly: Apr 30 (newest = day 119 is Apr 30), Mar 31, Feb 28; yearly: the newest.
    expect(keptIds).toEqual(['n058', 'n089', 'n101', 'n108', 'n113', 'n114', 'n115', 'n116', 'n117', 'n118', 'n119']);
    const newest = r.find((d) => d.id === 'n119')!;
    expect(newest.reasons).toEqual(['daily 2026-04-30', 'weekly 2026-W18', 'monthly 2026-04', 'yearly 2026']);
    expect(r.find((d) => d.id === 'n000')).toMatchObject({ keep: false, reasons: [] });
  });

  it('names every rule that keeps a point', () => {
    const r = applyRetention(
      pts('2026-01-01T00:00Z'),
      { keepLast: 1, daily: 1, weekly: 1, monthly: 1, yearly: 1 },
      'UTC',
    );
    expect(r[0].reasons).toEqual([
      'keep-last 1/1',
      'daily 2026-01-01',
      'weekly 2026-W01',
      'monthly 2026-01',
      'yearly 2026',
    ]);
  });
});

describe('ISO weeks and period keys', () => {
  it.each([
    [2026, 1, 1, '2026-W01'], // a Thursday
    [2027, 1, 1, '2026-W53'], // a Friday belongs to the previous year's last week
    [2024, 12, 30, '2025-W01'], // a Monday belongs to the next year's first week
    [2026, 12, 31, '2026-W53'],
  ])('%i-%i-%i is %s', (y, m, d, key) => {
    const w = isoWeek(y, m, d);
    expect(`${w.year}-W${String(w.week).padStart(2, '0')}`).toBe(key);
  });
  it('period keys follow the timezone', () => {
    const at = new Date('2026-12-31T23:30:00Z');
    expect(periodKey('yearly', at, 'UTC')).toBe('2026');
    expect(periodKey('yearly', at, 'Asia/Tokyo')).toBe('2027');
    expect(periodKey('monthly', at, 'America/New_York')).toBe('2026-12');
  });
});
