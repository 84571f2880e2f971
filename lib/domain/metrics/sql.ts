import 'server-only';
import { databaseProvider, databaseUrl } from '@/lib/db/url';
import { Prisma } from '@/lib/generated/prisma/client';

// The few expressions SQLite and PostgreSQL spell differently, for the metrics' set-based SQL.
// SQLite holds a DateTime as ISO text ("2026-12-07T04:18:16.000+00:00", what the better-sqlite3
// adapter writes), so a bucket start is written back in that same form: Prisma reads it, and
// text comparison with bound dates stays chronological. PostgreSQL holds timestamp(3).
export type Dialect = {
  // Start of the minute / hour holding `col`, as a value of the column's own type.
  truncate: (col: Prisma.Sql, unit: 'minute' | 'hour') => Prisma.Sql;
  // Seconds since the epoch with milliseconds, as a double.
  epochSec: (col: Prisma.Sql) => Prisma.Sql;
  // Start of the `stepSec` bucket (aligned to the epoch) holding `col`, in whole epoch ms.
  bucketMs: (col: Prisma.Sql, stepSec: number) => Prisma.Sql;
};

const sqlite: Dialect = {
  truncate: (col, unit) =>
    Prisma.sql`strftime(${unit === 'minute' ? '%Y-%m-%dT%H:%M:00.000+00:00' : '%Y-%m-%dT%H:00:00.000+00:00'}, ${col})`,
  epochSec: (col) => Prisma.sql`unixepoch(${col}, 'subsec')`,
  bucketMs: (col, stepSec) =>
    Prisma.sql`(unixepoch(${col}) / ${Prisma.raw(String(stepSec))}) * ${Prisma.raw(String(stepSec * 1000))}`,
};

const postgres: Dialect = {
  truncate: (col, unit) => Prisma.sql`date_trunc(${Prisma.raw(`'${unit}'`)}, ${col})`,
  epochSec: (col) => Prisma.sql`CAST(extract(epoch from ${col}) AS DOUBLE PRECISION)`,
  bucketMs: (col, stepSec) =>
    Prisma.sql`CAST(floor(extract(epoch from ${col}) / ${Prisma.raw(String(stepSec))}) * ${Prisma.raw(String(stepSec * 1000))} AS BIGINT)`,
};

export function dialect(): Dialect {
  return databaseProvider(databaseUrl()) === 'postgresql' ? postgres : sqlite;
}
