import { describe, expect, it } from 'vitest';
import { checkSchedule, describeSchedule, nextRun, nextRuns, scheduleIntervalMs } from './schedule';

const H = 3600_000;

describe('cron schedules (croner)', () => {
  it('next runs follow the timezone, including a DST change', () => {
    // Europe/Paris moves to summer time on 2026-03-29: 02:00 local is 01:00Z before, 00:00Z after.
    const runs = nextRuns('0 2 * * *', 'Europe/Paris', 3, new Date('2026-03-27T12:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('the next run in New York is 5 hours after the same local time in UTC (winter)', () => {
    const from = new Date('2026-01-10T00:00:00Z');
    expect(nextRun('30 4 * * *', 'America/New_York', from)!.toISOString()).toBe('2026-01-10T09:30:00.000Z');
    expect(nextRun('30 4 * * *', 'UTC', from)!.toISOString()).toBe('2026-01-10T04:30:00.000Z');
  });

  it('rejects an invalid cron with croner’s reason, and an unknown timezone', () => {
    expect(checkSchedule('61 * * * *', 'UTC')).toEqual({
      ok: false,
      field: 'schedule',
      message: expect.stringMatching(/minute/),
    });
    expect(checkSchedule('not a cron', 'UTC')).toMatchObject({ ok: false, field: 'schedule' });
    expect(checkSchedule('0 2 * * *', 'Mars/Olympus')).toEqual({
      ok: false,
      field: 'timezone',
      message: expect.stringMatching(/Unknown IANA timezone/),
    });
    expect(checkSchedule('0 2 * * 1-5', 'Europe/Paris')).toEqual({ ok: true });
  });

  it('the interval is the longest gap between upcoming runs (weekdays: over the weekend)', () => {
    expect(scheduleIntervalMs('0 * * * *', 'UTC', new Date('2026-01-05T00:00:00Z'))).toBe(H);
    expect(scheduleIntervalMs('0 2 * * 1-5', 'UTC', new Date('2026-01-05T00:00:00Z'))).toBe(72 * H);
  });

  it('describes the cron in words with its timezone', () => {
    expect(describeSchedule('0 2 * * 1-5', 'Europe/Paris')).toBe('At 02:00, Monday through Friday (Europe/Paris)');
    expect(describeSchedule('*/15 * * * *', 'UTC')).toBe('Every 15 minutes (UTC)');
  });
});
