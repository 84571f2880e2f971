import 'server-only';
import { Prisma } from '@/lib/generated/prisma/client';
import { asBool, asDate, jsonIds, jsonRows, type SqlRunner } from '@/lib/db/sql-runner';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import type { StoredFacts } from './host-facts';

// The statements of a heartbeat batch (heartbeat-batch.ts): a fixed number per batch whatever its
// size, each batch's rows as one JSON parameter.

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
export type StoredHost = StoredFacts & { id: string; agentTokenHash: string };
export type StoredVm = {
  id: string;
  hostId: string;
  state: string;
  guestReady: boolean;
  updatedAt: Date;
  busy: boolean;
};
export type FactsRow = Omit<StoredFacts, 'pools' | 'memoryTotalBytes'> & { id: string; memoryTotalBytes: number };
type Pool = { hostId: string; name: string; kind: string; path: string };
export type PoolRow = Pool & { totalBytes: number; freeBytes: number };
export type VmChange = VmFigures & { state: string; guestReady: boolean; clearWarning: boolean; at: Date };
export type VmLost = { id: string; hostId: string; state: string; before: Date; at: Date; reason: string };

const ROWS_PER_STATEMENT = 5_000; // keeps one statement's text and memory bounded

async function chunked<T>(rows: T[], run: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await run(rows.slice(i, i + ROWS_PER_STATEMENT));
}

const big = (v: unknown) => BigInt(String(v));

type HostRaw = Omit<StoredHost, 'pools' | 'memoryTotalBytes'> & { memoryTotalBytes: unknown };
type PoolRaw = Pool & { totalBytes: unknown; freeBytes: unknown };

// The batch's hosts with their facts and pools, as the facts comparison needs them.
export async function readHosts(sql: SqlRunner, ids: string[]): Promise<Map<string, StoredHost>> {
  const hosts = await sql.rows<HostRaw>(Prisma.sql`SELECT "id", "agentTokenHash", "driver", "site", "agentVersion",
      "qemuVersion", "accelerator", "acceleratorReason", "cpuCount", "cpuModel", "memoryTotalBytes"
    FROM "Host" WHERE "id" IN ${jsonIds(ids)}`);
  const pools = await sql.rows<PoolRaw>(Prisma.sql`SELECT "hostId", "name", "kind", "path", "totalBytes", "freeBytes"
    FROM "StoragePool" WHERE "hostId" IN ${jsonIds(ids)}`);
  const byHost = new Map<string, StoredHost>(
    hosts.map((h) => [
      h.id,
      {
        ...h,
        cpuCount: Number(h.cpuCount),
        memoryTotalBytes: big(h.memoryTotalBytes),
        pools: [] as StoredHost['pools'],
      },
    ]),
  );
  for (const p of pools)
    byHost.get(p.hostId)?.pools.push({ ...p, totalBytes: big(p.totalBytes), freeBytes: big(p.freeBytes) });
  return byHost;
}

type VmRaw = { id: string; hostId: string; state: string; guestReady: unknown; updatedAt: unknown; busy: unknown };

// The batch's hosts' VMs, each with whether a task is working on it (the task owns its state then).
export async function readVms(sql: SqlRunner, hostIds: string[]): Promise<StoredVm[]> {
  const active = Prisma.join([TASK_STATE.queued, TASK_STATE.running]);
  const rows = await sql.rows<VmRaw>(Prisma.sql`SELECT v."id", v."hostId", v."state", v."guestReady", v."updatedAt",
      EXISTS (SELECT 1 FROM "Task" t WHERE t."targetType" = 'vm' AND t."targetId" = v."id"
        AND t."state" IN (${active})) AS "busy"
    FROM "Vm" v WHERE v."hostId" IN ${jsonIds(hostIds)}`);
  return rows.map((v) => ({
    ...v,
    guestReady: asBool(v.guestReady),
    updatedAt: asDate(v.updatedAt),
    busy: asBool(v.busy),
  }));
}

// Facts that changed since they were stored (rare: an agent upgrade, a pool filling up).
export async function writeFacts(sql: SqlRunner, hosts: FactsRow[], pools: PoolRow[], at: Date): Promise<void> {
  await chunked(hosts, (chunk) =>
    sql.run(Prisma.sql`UPDATE "Host" SET "driver" = x."driver", "site" = x."site", "agentVersion" = x."agentVersion",
        "qemuVersion" = x."qemuVersion", "accelerator" = x."accelerator", "acceleratorReason" = x."acceleratorReason",
        "cpuCount" = x."cpuCount", "cpuModel" = x."cpuModel", "memoryTotalBytes" = x."memoryTotalBytes"
      FROM ${jsonRows(chunk, {
        id: 'text',
        driver: 'text',
        site: 'text',
        agentVersion: 'text',
        qemuVersion: 'text',
        accelerator: 'text',
        acceleratorReason: 'text',
        cpuCount: 'int8',
        cpuModel: 'text',
        memoryTotalBytes: 'int8',
      })} AS x WHERE "Host"."id" = x."id"`),
  );
  // `WHERE true`: SQLite's parser needs it before ON CONFLICT in an INSERT ... SELECT.
  await chunked(
    pools.map((p) => ({ ...p, id: crypto.randomUUID(), at })),
    (chunk) =>
      sql.run(Prisma.sql`INSERT INTO "StoragePool" ("id", "hostId", "name", "kind", "path", "totalBytes", "freeBytes",
          "updatedAt")
        SELECT x."id", x."hostId", x."name", x."kind", x."path", x."totalBytes", x."freeBytes", x."at"
        FROM ${jsonRows(chunk, {
          id: 'text',
          hostId: 'text',
          name: 'text',
          kind: 'text',
          path: 'text',
          totalBytes: 'int8',
          freeBytes: 'int8',
          at: 'timestamp(3)',
        })} AS x WHERE true
        ON CONFLICT ("hostId", "name") DO UPDATE SET "kind" = excluded."kind", "path" = excluded."path",
          "totalBytes" = excluded."totalBytes", "freeBytes" = excluded."freeBytes", "updatedAt" = excluded."updatedAt"`),
  );
}

// Online, last heard, CPU and memory: one statement for all the batch's hosts.
export function updateHostFigures(sql: SqlRunner, rows: HostFigures[]): Promise<void> {
  return chunked(rows, (chunk) =>
    sql.run(Prisma.sql`UPDATE "Host" SET "status" = 'online', "lastHeartbeat" = x."at", "cpuPct" = x."cpuPct",
        "memoryUsedBytes" = x."memUsedBytes"
      FROM ${jsonRows(chunk, { id: 'text', at: 'timestamp(3)', cpuPct: 'float8', memUsedBytes: 'int8' })} AS x
      WHERE "Host"."id" = x."id"`),
  );
}

const vmFigureColumns = { id: 'text', hostId: 'text', cpuPct: 'float8', rssBytes: 'int8' } as const;

// Live figures of VMs still on the host that reported them (a VM a migration just moved away is
// not that host's to update). updatedAt is left alone on purpose: it marks the changes open
// pages are told about (lib/domain/events/change-feed.ts), and figures that move every 5 s are
// not such a change.
export function updateVmFigures(sql: SqlRunner, rows: VmFigures[]): Promise<void> {
  return chunked(rows, (chunk) =>
    sql.run(Prisma.sql`UPDATE "Vm" SET "cpuPct" = x."cpuPct", "rssBytes" = x."rssBytes"
      FROM ${jsonRows(chunk, vmFigureColumns)} AS x WHERE "Vm"."id" = x."id" AND "Vm"."hostId" = x."hostId"`),
  );
}

// A state or readiness QEMU reported: a change open pages are told about, so updatedAt moves.
export function updateVmStates(sql: SqlRunner, rows: VmChange[]): Promise<void> {
  return chunked(rows, (chunk) =>
    sql.run(Prisma.sql`UPDATE "Vm" SET "cpuPct" = x."cpuPct", "rssBytes" = x."rssBytes", "state" = x."state",
        "guestReady" = x."guestReady", "updatedAt" = x."at",
        "guestWarning" = CASE WHEN x."clearWarning" THEN NULL ELSE "Vm"."guestWarning" END
      FROM ${jsonRows(chunk, {
        ...vmFigureColumns,
        state: 'text',
        guestReady: 'bool',
        clearWarning: 'bool',
        at: 'timestamp(3)',
      })} AS x WHERE "Vm"."id" = x."id" AND "Vm"."hostId" = x."hostId"`),
  );
}

// VMs the agent does not know, in error, unless the row changed since `before` (a VM a migration
// just brought here is missing from a sample taken before the switch-over).
export function markVmsLost(sql: SqlRunner, rows: VmLost[]): Promise<void> {
  return chunked(rows, (chunk) =>
    sql.run(Prisma.sql`UPDATE "Vm" SET "state" = 'error', "lastError" = x."reason", "updatedAt" = x."at"
      FROM ${jsonRows(chunk, {
        id: 'text',
        hostId: 'text',
        state: 'text',
        before: 'timestamp(3)',
        at: 'timestamp(3)',
        reason: 'text',
      })} AS x
      WHERE "Vm"."id" = x."id" AND "Vm"."hostId" = x."hostId" AND "Vm"."state" = x."state"
        AND "Vm"."updatedAt" < x."before"`),
  );
}

export function insertSamples(sql: SqlRunner, rows: SampleRow[]): Promise<void> {
  return chunked(rows, (chunk) =>
    sql.run(Prisma.sql`INSERT INTO "MetricSample" ("at", "hostId", "vmId", "cpuPct", "memUsedBytes", "memTotalBytes",
        "load1", "diskRdBytes", "diskWrBytes", "diskRdOps", "diskWrOps")
      SELECT "at", "hostId", "vmId", "cpuPct", "memUsedBytes", "memTotalBytes", "load1", "diskRdBytes",
        "diskWrBytes", "diskRdOps", "diskWrOps"
      FROM ${jsonRows(chunk, {
        at: 'timestamp(3)',
        hostId: 'text',
        vmId: 'text',
        cpuPct: 'float8',
        memUsedBytes: 'int8',
        memTotalBytes: 'int8',
        load1: 'float8',
        diskRdBytes: 'int8',
        diskWrBytes: 'int8',
        diskRdOps: 'int8',
        diskWrOps: 'int8',
      })} AS x`),
  );
}
