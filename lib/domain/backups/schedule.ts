// Cron schedules of backup jobs, by croner (parsing, next runs in a timezone) and cronstrue
// (the cron in words). Pure: used by the services, the scheduler, the preview and the form.
import { Cron } from 'croner';
import cronstrue from 'cronstrue';

export type ScheduleCheck = { ok: true } | { ok: false; field: 'schedule' | 'timezone'; message: string };

export function checkTimezone(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return null;
  } catch {
    return `Unknown IANA timezone "${timezone}" (e.g. UTC, Europe/Paris, America/New_York)`;
  }
}

function cron(schedule: string, timezone: string): Cron {
  return new Cron(schedule, { paused: true, timezone });
}

// croner's own words for a bad pattern ("CronPattern: Invalid value for minute: 61").
export function checkSchedule(schedule: string, timezone: string): ScheduleCheck {
  const tzError = checkTimezone(timezone);
  if (tzError) return { ok: false, field: 'timezone', message: tzError };
  try {
    if (!cron(schedule, timezone).nextRun())
      return { ok: false, field: 'schedule', message: 'This schedule never runs again' };
    return { ok: true };
  } catch (err) {
    return { ok: false, field: 'schedule', message: err instanceof Error ? err.message : String(err) };
  }
}

export function nextRuns(schedule: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  return cron(schedule, timezone).nextRuns(count, from);
}

// Runs after `from` up to `until`, one at a time (one parsed cron): a caller can stop early or
// yield between runs, and a sparse schedule is never searched past `until`.
export function* runsUntil(schedule: string, timezone: string, from: Date, until: Date): Generator<Date> {
  const c = cron(schedule, timezone);
  for (let at = c.nextRun(from); at && at.getTime() <= until.getTime(); at = c.nextRun(at)) yield at;
}

export function nextRun(schedule: string, timezone: string, from: Date = new Date()): Date | null {
  return cron(schedule, timezone).nextRun(from);
}

// The longest gap between the next few runs: "every weekday at 2:00" is 3 days over a weekend,
// so a point taken on Friday is not late on Sunday.
export function scheduleIntervalMs(schedule: string, timezone: string, from: Date = new Date()): number {
  const runs = nextRuns(schedule, timezone, 8, from);
  let max = 0;
  for (let i = 1; i < runs.length; i++) max = Math.max(max, runs[i].getTime() - runs[i - 1].getTime());
  return max;
}

export function describeSchedule(schedule: string, timezone: string): string {
  let words: string;
  try {
    words = cronstrue.toString(schedule, { use24HourTimeFormat: true, verbose: false });
  } catch {
    words = schedule; // croner accepts a few forms cronstrue does not know; the cron itself is still exact
  }
  return `${words} (${timezone})`;
}
