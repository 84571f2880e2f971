import 'server-only';
import { db } from '@/lib/db/client';
import { Prisma } from '@/lib/generated/prisma/client';
import { withPgLock } from '@/lib/db/pg-direct';
import { isSqlite } from '@/lib/db/sql-runner';
import { dialect } from './sql';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Retention: raw samples a day, 1-minute rollups a week, 1-hour rollups a year (the tiers the
// charts read: raw up to 15 min / one VM or host's hour, minutes up to 24 h, hours beyond).
export const METRIC_KEEP_MS = { raw: DAY, minute: 7 * DAY, hour: 365 * DAY } as const;
export const RESOLUTION = { minute: 60, hour: 3600 } as const;

// Bounded work: one statement folds at most this much time, one run at most this many statements,
// so catching up after an outage is many small statements over several runs, not one giant one.
const MINUTES_PER_STATEMENT = 5;
const HOURS_PER_STATEMENT = 1;
const STATEMENTS_PER_RUN = 12;

type Tier = { resolution: number; unitMs: number; span: number };
const MINUTE_TIER: Tier = { resolution: RESOLUTION.minute, unitMs: MINUTE, span: MINUTES_PER_STATEMENT * MINUTE };
const HOUR_TIER: Tier = { resolution: RESOLUTION.hour, unitMs: HOUR, span: HOURS_PER_STATEMENT * HOUR };

// Folds raw samples into 1-minute rollups and those into 1-hour rollups, in the database (one
// INSERT ... SELECT ... GROUP BY per span), then prunes each tier. A bucket holds the mean of CPU,
// memory and load and the last disk counters (rates come from consecutive buckets). Idempotent:
// re-folding a bucket overwrites its row. The newest minute is folded again on the next run (late
// samples); an hour is folded once the minute tier has passed it. Returns the rows written.
export async function rollupMetrics(now = Date.now()): Promise<number> {
  const minuteEnd = Math.floor(now / MINUTE) * MINUTE;
  let written = await foldTier(MINUTE_TIER, minuteEnd, now - METRIC_KEEP_MS.raw);
  const newestMinute = await lastBucket(RESOLUTION.minute);
  if (newestMinute !== null)
    written += await foldTier(HOUR_TIER, Math.floor(newestMinute / HOUR) * HOUR, now - METRIC_KEEP_MS.minute);
  await prune('MetricSample', Prisma.sql`"at" < ${new Date(now - METRIC_KEEP_MS.raw)}`);
  for (const [tier, keep] of [
    [RESOLUTION.minute, METRIC_KEEP_MS.minute],
    [RESOLUTION.hour, METRIC_KEEP_MS.hour],
  ] as const)
    await prune('MetricRollup', Prisma.sql`"resolution" = ${tier} AND "bucket" < ${new Date(now - keep)}`);
  return written;
}

// Several workers share one PostgreSQL: the rollup runs in one of them at a time (an advisory
// lock; the others skip that minute). Its statements are idempotent, so this saves work only.
export const rollupMetricsOnce = (now = Date.now()): Promise<number | null> =>
  isSqlite() ? rollupMetrics(now) : withPgLock('vmops:metric-rollup', () => rollupMetrics(now));

// Expired rows, a bounded number per run (an outage's backlog goes over several runs): at fleet
// size 8,000 samples/s make 480,000 rows a minute to drop.
const PRUNE_ROWS = 50_000;
const PRUNE_STATEMENTS = 20;
async function prune(table: 'MetricSample' | 'MetricRollup', expired: Prisma.Sql): Promise<void> {
  const t = Prisma.raw(`"${table}"`);
  for (let i = 0; i < PRUNE_STATEMENTS; i++) {
    const n = await db().$executeRaw`DELETE FROM ${t} WHERE "id" IN
      (SELECT "id" FROM ${t} WHERE ${expired} LIMIT ${PRUNE_ROWS})`;
    if (n < PRUNE_ROWS) return;
  }
}

// Folds the tier's source from its newest bucket (again: it may have been partial) up to `end`,
// skipping stretches without data. `floor`: where to start when the tier is empty.
async function foldTier(tier: Tier, end: number, floor: number): Promise<number> {
  const last = await lastBucket(tier.resolution);
  // Complete hours are never re-folded; the newest minute is (samples arrive until it is over).
  let start = last === null ? floor : tier === HOUR_TIER ? last + HOUR : last;
  let written = 0;
  for (let i = 0; i < STATEMENTS_PER_RUN; i++) {
    const first = await firstSourceTime(tier, start);
    if (first === null) break;
    const from = Math.max(start, Math.floor(first / tier.unitMs) * tier.unitMs);
    const to = Math.min(end, from + tier.span);
    if (to <= from) break;
    written += await fold(tier, from, to);
    start = to;
  }
  return written;
}

async function lastBucket(resolution: number): Promise<number | null> {
  const r = await db().metricRollup.aggregate({ where: { resolution }, _max: { bucket: true } });
  return r._max.bucket?.getTime() ?? null;
}

async function firstSourceTime(tier: Tier, from: number): Promise<number | null> {
  if (tier === MINUTE_TIER) {
    const r = await db().metricSample.aggregate({ where: { at: { gte: new Date(from) } }, _min: { at: true } });
    return r._min.at?.getTime() ?? null;
  }
  const r = await db().metricRollup.aggregate({
    where: { resolution: RESOLUTION.minute, bucket: { gte: new Date(from) } },
    _min: { bucket: true },
  });
  return r._min.bucket?.getTime() ?? null;
}

// One INSERT ... SELECT ... GROUP BY (host, VM, bucket) over [from, to) of the tier's source. The
// last counters of a bucket come from its newest row (row_number over the bucket, newest first).
async function fold(tier: Tier, from: number, to: number): Promise<number> {
  const d = dialect();
  const minute = tier === MINUTE_TIER;
  const t = Prisma.raw(minute ? '"at"' : '"bucket"');
  const source = minute
    ? Prisma.sql`"MetricSample" WHERE "at" >= ${new Date(from)} AND "at" < ${new Date(to)}`
    : Prisma.sql`"MetricRollup" WHERE "resolution" = ${Prisma.raw(String(RESOLUTION.minute))}
        AND "bucket" >= ${new Date(from)} AND "bucket" < ${new Date(to)}`;
  const bucket = d.truncate(t, minute ? 'minute' : 'hour');
  return db().$executeRaw`
    INSERT INTO "MetricRollup" ("resolution", "bucket", "hostId", "vmId", "cpuPct", "memUsedBytes",
      "memTotalBytes", "load1", "diskRdBytes", "diskWrBytes")
    SELECT ${Prisma.raw(String(tier.resolution))}, b, "hostId", v, AVG("cpuPct"),
      CAST(ROUND(AVG("memUsedBytes")) AS BIGINT), MAX(CASE WHEN n = 1 THEN "memTotalBytes" END), AVG("load1"),
      MAX(CASE WHEN n = 1 THEN "diskRdBytes" END), MAX(CASE WHEN n = 1 THEN "diskWrBytes" END)
    FROM (
      SELECT ${bucket} AS b, "hostId", COALESCE("vmId", '') AS v, "cpuPct", "memUsedBytes", "memTotalBytes",
        "load1", "diskRdBytes", "diskWrBytes",
        ROW_NUMBER() OVER (PARTITION BY "hostId", "vmId", ${bucket} ORDER BY ${t} DESC, "id" DESC) AS n
      FROM ${source}
    ) s
    WHERE true
    GROUP BY b, "hostId", v
    ON CONFLICT ("hostId", "vmId", "resolution", "bucket") DO UPDATE SET
      "cpuPct" = excluded."cpuPct", "memUsedBytes" = excluded."memUsedBytes",
      "memTotalBytes" = excluded."memTotalBytes", "load1" = excluded."load1",
      "diskRdBytes" = excluded."diskRdBytes", "diskWrBytes" = excluded."diskWrBytes"`;
}
