import 'server-only';
import { Prisma } from '@/lib/generated/prisma/client';
import { databaseProvider, databaseUrl } from '@/lib/db/url';

type Tx = Prisma.TransactionClient;

export type SampleRow = {
  at: Date;
  hostId: string;
  vmId: string | null;
  cpuPct: number;
  memUsedBytes: number;
  memTotalBytes: number;
  load1: number;
  diskRdBytes: number;
  diskWrBytes: number;
  diskRdOps: number;
  diskWrOps: number;
};
export type HostFigures = { id: string; at: Date; cpuPct: number; memUsedBytes: number };
export type VmFigures = { id: string; hostId: string; cpuPct: number; rssBytes: number };

// A heartbeat batch's rows travel as ONE JSON parameter, unpacked by the database
// (json_each / json_to_recordset): per row, Prisma's parameter handling cost ~200 µs, which at
// 8,000 VM samples/s is more than a core. Counters stay far below 2^53, exact in JSON.
const ROWS_PER_STATEMENT = 5_000; // keeps one statement's text and memory bounded

const isSqlite = () => databaseProvider(databaseUrl()) === 'sqlite';
// How Prisma stores a DateTime in SQLite (text, compared as text): it must match exactly. In
// PostgreSQL the column is a timestamp without zone holding UTC; the ISO 'Z' is ignored there.
const sqliteDate = (d: Date) => d.toISOString().replace('Z', '+00:00');
function json(rows: object[]): string {
  const sqlite = isSqlite();
  // `this[key]` is the value before its toJSON: Dates in the form each engine compares.
  return JSON.stringify(rows, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? (sqlite ? sqliteDate(raw) : raw.toISOString()) : value;
  });
}

async function chunked<T>(rows: T[], run: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await run(rows.slice(i, i + ROWS_PER_STATEMENT));
}

export function insertSamples(tx: Tx, rows: SampleRow[]): Promise<void> {
  const columns = Prisma.raw(
    '"at", "hostId", "vmId", "cpuPct", "memUsedBytes", "memTotalBytes", "load1", ' +
      '"diskRdBytes", "diskWrBytes", "diskRdOps", "diskWrOps"',
  );
  return chunked(rows, (chunk) => {
    const data = json(chunk);
    return isSqlite()
      ? tx.$executeRaw`INSERT INTO "MetricSample" (${columns})
          SELECT value->>'at', value->>'hostId', value->>'vmId', value->>'cpuPct', value->>'memUsedBytes',
            value->>'memTotalBytes', value->>'load1', value->>'diskRdBytes', value->>'diskWrBytes',
            value->>'diskRdOps', value->>'diskWrOps'
          FROM json_each(${data})`
      : tx.$executeRaw`INSERT INTO "MetricSample" (${columns})
          SELECT * FROM json_to_recordset(CAST(${data} AS json)) AS x("at" timestamp(3), "hostId" text,
            "vmId" text, "cpuPct" float8, "memUsedBytes" int8, "memTotalBytes" int8, "load1" float8,
            "diskRdBytes" int8, "diskWrBytes" int8, "diskRdOps" int8, "diskWrOps" int8)`;
  });
}

// Online, last heard, CPU and memory: one statement for all the batch's hosts.
export function updateHostFigures(tx: Tx, rows: HostFigures[]): Promise<void> {
  return chunked(rows, (chunk) => {
    const data = json(chunk);
    return isSqlite()
      ? tx.$executeRaw`UPDATE "Host" SET "status" = 'online', "lastHeartbeat" = x.at, "cpuPct" = x.cpu,
            "memoryUsedBytes" = x.mem
          FROM (SELECT value->>'id' AS id, value->>'at' AS at, value->>'cpuPct' AS cpu,
            value->>'memUsedBytes' AS mem FROM json_each(${data})) AS x
          WHERE "Host"."id" = x.id`
      : tx.$executeRaw`UPDATE "Host" SET "status" = 'online', "lastHeartbeat" = x.at, "cpuPct" = x."cpuPct",
            "memoryUsedBytes" = x."memUsedBytes"
          FROM json_to_recordset(CAST(${data} AS json))
            AS x("id" text, "at" timestamp(3), "cpuPct" float8, "memUsedBytes" int8)
          WHERE "Host"."id" = x."id"`;
  });
}

// Live figures of VMs still on the host that reported them (a VM a migration just moved away is
// not that host's to update). updatedAt is left alone on purpose: it marks the changes open
// pages are told about (lib/domain/events/change-feed.ts), and figures that move every 5 s are
// not such a change.
export function updateVmFigures(tx: Tx, rows: VmFigures[]): Promise<void> {
  return chunked(rows, (chunk) => {
    const data = json(chunk);
    return isSqlite()
      ? tx.$executeRaw`UPDATE "Vm" SET "cpuPct" = x.cpu, "rssBytes" = x.rss
          FROM (SELECT value->>'id' AS id, value->>'hostId' AS hostId, value->>'cpuPct' AS cpu,
            value->>'rssBytes' AS rss FROM json_each(${data})) AS x
          WHERE "Vm"."id" = x.id AND "Vm"."hostId" = x.hostId`
      : tx.$executeRaw`UPDATE "Vm" SET "cpuPct" = x."cpuPct", "rssBytes" = x."rssBytes"
          FROM json_to_recordset(CAST(${data} AS json))
            AS x("id" text, "hostId" text, "cpuPct" float8, "rssBytes" int8)
          WHERE "Vm"."id" = x."id" AND "Vm"."hostId" = x."hostId"`;
  });
}
