import 'server-only';
import { db } from '@/lib/db/client';
import { Prisma } from '@/lib/generated/prisma/client';
import { VM_STATE } from '@/lib/domain/vms/dto';
import type { HostSummaryDto } from './dto';
import { OFFLINE_AFTER_MS } from './queries';

const SIMULATED_NAMES = 5;

type Totals = Record<
  | 'hosts'
  | 'online'
  | 'up'
  | 'maintenance'
  | 'cpus'
  | 'cpuAvg'
  | 'memUsed'
  | 'memTotal'
  | 'simulated'
  | 'vms'
  | 'running',
  unknown
>;

// The fleet in a few numbers, counted and summed by the database in one statement (plus the
// first simulated names and the sites): every page's top bar polls it, so its cost must not grow
// with the host list (at 2,500 hosts that list is ~1.2 MB). Online as effectiveStatus says.
export async function hostSummary(): Promise<HostSummaryDto> {
  const online = Prisma.sql`h."status" = 'online' AND h."lastHeartbeat" >= ${new Date(Date.now() - OFFLINE_AFTER_MS)}`;
  const [[t], simulatedNames, sites] = await Promise.all([
    db().$queryRaw<Totals[]>`SELECT COUNT(*) AS "hosts",
        SUM(CASE WHEN ${online} THEN 1 ELSE 0 END) AS "online",
        SUM(CASE WHEN ${online} AND (s."state" IS NULL OR s."state" NOT IN ('failed', 'fenced')) THEN 1 ELSE 0 END)
          AS "up",
        SUM(CASE WHEN h."maintenance" THEN 1 ELSE 0 END) AS "maintenance",
        SUM(h."cpuCount") AS "cpus",
        AVG(CASE WHEN ${online} THEN h."cpuPct" END) AS "cpuAvg",
        SUM(CASE WHEN ${online} THEN h."memoryUsedBytes" ELSE 0 END) AS "memUsed",
        SUM(CASE WHEN ${online} THEN h."memoryTotalBytes" ELSE 0 END) AS "memTotal",
        SUM(CASE WHEN h."driver" = 'simulated' THEN 1 ELSE 0 END) AS "simulated",
        (SELECT COUNT(*) FROM "Vm") AS "vms",
        (SELECT COUNT(*) FROM "Vm" WHERE "state" = ${VM_STATE.running}) AS "running"
      FROM "Host" h LEFT JOIN "HaHostState" s ON s."hostId" = h."id"`,
    db().host.findMany({
      where: { driver: 'simulated' },
      select: { name: true },
      orderBy: { name: 'asc' },
      take: SIMULATED_NAMES,
    }),
    db().host.findMany({ distinct: ['site'], select: { site: true }, orderBy: { site: 'asc' } }),
  ]);
  // Counts and sums come back as number, bigint or numeric text depending on the engine.
  const n = (v: unknown) => Number(v ?? 0);
  return {
    hosts: n(t.hosts),
    online: n(t.online),
    up: n(t.up),
    maintenance: n(t.maintenance),
    cpuCount: n(t.cpus),
    onlineCpuPctAvg: n(t.cpuAvg),
    onlineMemoryUsedBytes: n(t.memUsed),
    onlineMemoryTotalBytes: n(t.memTotal),
    vmCount: n(t.vms),
    runningVmCount: n(t.running),
    simulated: { count: n(t.simulated), names: simulatedNames.map((h) => h.name) },
    sites: sites.map((s) => s.site),
  };
}
