// GFS retention, pure. Semantics as restic's `forget`: keep-last N keeps the N newest points; each
// of daily/weekly/monthly/yearly N keeps the newest point of each of the N newest periods (in the
// job's timezone; ISO weeks) that hold a point. A point is kept when any rule selects it, and
// every rule that selected it is named. Chain safety is chain.ts's job, not this one's.
import type { RetentionPolicy } from './dto';

export type RetentionInput = { id: string; takenAt: Date };
export type RetentionDecision = { id: string; takenAt: Date; keep: boolean; reasons: string[] };

type Period = 'daily' | 'weekly' | 'monthly' | 'yearly';
const PERIODS: Period[] = ['daily', 'weekly', 'monthly', 'yearly'];

const formatters = new Map<string, Intl.DateTimeFormat>(); // building one is slow; a preview needs ~10^4 dates

function localDate(at: Date, timezone: string): { y: number; m: number; d: number } {
  let f = formatters.get(timezone);
  if (!f)
    formatters.set(
      timezone,
      (f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })),
    );
  const parts = f.formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

// ISO 8601 week: the week with the year's first Thursday is week 1; weeks start on Monday.
export function isoWeek(y: number, m: number, d: number): { year: number; week: number } {
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return { year: date.getUTCFullYear(), week: Math.ceil(((date.getTime() - yearStart) / 86400000 + 1) / 7) };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function periodKey(period: Period, at: Date, timezone: string): string {
  const { y, m, d } = localDate(at, timezone);
  if (period === 'daily') return `${y}-${pad(m)}-${pad(d)}`;
  if (period === 'monthly') return `${y}-${pad(m)}`;
  if (period === 'yearly') return String(y);
  const w = isoWeek(y, m, d);
  return `${w.year}-W${pad(w.week)}`;
}

export function applyRetention(
  points: RetentionInput[],
  policy: RetentionPolicy,
  timezone: string,
): RetentionDecision[] {
  const newestFirst = [...points].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.id.localeCompare(a.id));
  const reasons = new Map<string, string[]>(newestFirst.map((p) => [p.id, []]));
  newestFirst
    .slice(0, Math.max(0, policy.keepLast))
    .forEach((p, i) => reasons.get(p.id)!.push(`keep-last ${i + 1}/${policy.keepLast}`));
  for (const period of PERIODS) {
    const n = policy[period];
    const seen = new Set<string>();
    for (const p of newestFirst) {
      if (seen.size >= n) break;
      const key = periodKey(period, p.takenAt, timezone);
      if (seen.has(key)) continue; // an older point of a period already represented
      seen.add(key);
      reasons.get(p.id)!.push(`${period} ${key}`);
    }
  }
  return newestFirst.map((p) => ({
    id: p.id,
    takenAt: p.takenAt,
    keep: reasons.get(p.id)!.length > 0,
    reasons: reasons.get(p.id)!,
  }));
}
