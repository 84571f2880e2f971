import 'server-only';
import { Prisma } from '@/lib/generated/prisma/client';
import { db } from './client';
import { pgTransaction } from './pg-direct';
import { databaseProvider, databaseUrl } from './url';

// Raw SQL for the hot paths (heartbeat batches): the same statements run inside a Prisma
// transaction (SQLite) or on a plain node-postgres connection (PostgreSQL), where a statement
// costs ~0.2 ms of CPU against Prisma's ~0.5-2 ms (measured here).
export type SqlRunner = {
  rows<T>(q: Prisma.Sql): Promise<T[]>;
  run(q: Prisma.Sql): Promise<number>;
};

export const isSqlite = (): boolean => databaseProvider(databaseUrl()) === 'sqlite';

// One transaction, all or nothing. SQLite keeps Prisma's connection: a second connection in the
// same process would wait synchronously for a lock Prisma holds across an await.
export function sqlTransaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T> {
  if (!isSqlite()) return pgTransaction(fn);
  return db().$transaction((tx) => fn({ rows: (q) => tx.$queryRaw(q), run: (q) => tx.$executeRaw(q) }));
}

// How Prisma stores a DateTime in SQLite (text, compared as text): it must match exactly. In
// PostgreSQL the column is a timestamp without zone holding UTC; the ISO 'Z' is ignored there.
const sqliteDate = (d: Date) => d.toISOString().replace('Z', '+00:00');

// Rows as ONE JSON parameter: per row, Prisma's parameter handling cost ~200 µs. Counters stay far
// below 2^53, exact in JSON.
function encode(rows: object[]): string {
  const sqlite = isSqlite();
  // `this[key]` is the value before its toJSON: Dates in the form each engine compares.
  return JSON.stringify(rows, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? (sqlite ? sqliteDate(raw) : raw.toISOString()) : value;
  });
}

export type ColumnType = 'text' | 'float8' | 'int8' | 'bool' | 'timestamp(3)';

// A table of `rows` unpacked by the database (json_each / json_to_recordset), for FROM or IN:
// `(SELECT ...) AS x` with one column per entry of `columns`.
export function jsonRows(rows: object[], columns: Record<string, ColumnType>): Prisma.Sql {
  const data = encode(rows);
  const names = Object.keys(columns);
  if (isSqlite())
    return Prisma.sql`(SELECT ${Prisma.raw(names.map((c) => `value->>'${c}' AS "${c}"`).join(', '))}
      FROM json_each(${data}))`;
  const typed = names.map((c) => `"${c}" ${columns[c]}`).join(', ');
  return Prisma.sql`(SELECT * FROM json_to_recordset(CAST(${data} AS json)) AS r(${Prisma.raw(typed)}))`;
}

// A list of ids as a one-column table, for `IN`.
export const jsonIds = (ids: string[]): Prisma.Sql =>
  Prisma.sql`(SELECT "id" FROM ${jsonRows(
    ids.map((id) => ({ id })),
    { id: 'text' },
  )} AS ids)`;

// Values come back per engine: SQLite gives booleans as 0/1 and dates as text; node-postgres
// gives int8 as text.
export const asBool = (v: unknown): boolean => v === true || v === 1 || v === 1n;
export const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
