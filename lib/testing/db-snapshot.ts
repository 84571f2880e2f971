// Whole-database snapshots of a test SQLite file, read outside Prisma (a second connection sees
// every committed write): did a request change anything, and put the rows back when it did.
import Database from 'better-sqlite3';

type Row = Record<string, unknown>;
export type DbSnapshot = Map<string, Row[]>;

const rowKey = (row: Row) => JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

export function openSnapshots(file: string) {
  const sqlite = new Database(file);
  sqlite.defaultSafeIntegers(true); // BigInt columns come back exact
  const tables = (
    sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%'",
      )
      .all() as { name: string }[]
  ).map((t) => t.name);

  function take(): DbSnapshot {
    return new Map(tables.map((t) => [t, sqlite.prepare(`SELECT * FROM "${t}"`).all() as Row[]]));
  }

  /** Rows added or removed (a changed row is both), per table. */
  function diff(before: DbSnapshot, after: DbSnapshot): Map<string, { added: Row[]; removed: Row[] }> {
    const out = new Map<string, { added: Row[]; removed: Row[] }>();
    for (const t of tables) {
      const a = new Set((before.get(t) ?? []).map(rowKey));
      const b = new Set((after.get(t) ?? []).map(rowKey));
      const added = (after.get(t) ?? []).filter((r) => !a.has(rowKey(r)));
      const removed = (before.get(t) ?? []).filter((r) => !b.has(rowKey(r)));
      if (added.length || removed.length) out.set(t, { added, removed });
    }
    return out;
  }

  const restore = sqlite.transaction((snap: DbSnapshot) => {
    for (const t of tables) sqlite.prepare(`DELETE FROM "${t}"`).run();
    for (const [t, rows] of snap)
      for (const row of rows) {
        const cols = Object.keys(row);
        sqlite
          .prepare(
            `INSERT INTO "${t}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          )
          .run(...cols.map((c) => row[c]));
      }
  });

  return {
    take,
    diff,
    /** Moves whenever another connection commits: compare two readings to skip an unneeded snapshot. */
    version: () => Number(sqlite.pragma('data_version', { simple: true })),
    /** Puts every table back as it was in `snap` (foreign keys checked once all rows are in). */
    restore(snap: DbSnapshot) {
      sqlite.pragma('foreign_keys = OFF');
      try {
        restore(snap);
      } finally {
        sqlite.pragma('foreign_keys = ON');
      }
    },
    close: () => sqlite.close(),
  };
}
