// Pure layout of the next-runs calendar: week rows (Monday first) of days in the job's timezone.

const DAY_MS = 86_400_000;

export type CalendarDay = { day: string; times: string[] }; // day "2026-11-23", times "03:00"

/** Calendar date and clock of an instant in a timezone. */
export function zoned(iso: string, timeZone: string): { day: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return { day: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** Whole weeks from the Monday before the first run to the last run's week, at most `maxWeeks`. */
export function calendarDays(runs: string[], timeZone: string, maxWeeks = 5): CalendarDay[] {
  if (runs.length === 0) return [];
  const byDay = new Map<string, string[]>();
  for (const r of runs) {
    const { day, time } = zoned(r, timeZone);
    byDay.set(day, [...(byDay.get(day) ?? []), time]);
  }
  const days = [...byDay.keys()].sort();
  // Dates as UTC midnights: pure calendar arithmetic, free of the browser's own timezone.
  const first = Date.parse(`${days[0]}T00:00:00Z`);
  const last = Date.parse(`${days[days.length - 1]}T00:00:00Z`);
  const start = first - ((new Date(first).getUTCDay() + 6) % 7) * DAY_MS;
  const weeks = Math.min(maxWeeks, Math.floor((last - start) / DAY_MS / 7) + 1);
  return Array.from({ length: weeks * 7 }, (_, i) => {
    const day = new Date(start + i * DAY_MS).toISOString().slice(0, 10);
    return { day, times: byDay.get(day) ?? [] };
  });
}
