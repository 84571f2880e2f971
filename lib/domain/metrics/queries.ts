import 'server-only';
import { db } from '@/lib/db/client';
import { noSuchObject } from '@/lib/errors';
import { Prisma } from '@/lib/generated/prisma/client';
import { METRIC_RANGES, type MetricPoint, type MetricRange, type SeriesDto } from './dto';
import { RESOLUTION } from './rollup';
import { dialect } from './sql';

// Every series is aggregated by the database (GROUP BY bucket): Node receives the points, never
// the samples. Steps are twice the push interval at least, so agent jitter never leaves a bucket
// without a host's sample. One host or VM reads raw samples up to 1 h; the cluster reads raw
// samples for 15 min only (2,500 hosts x 720 samples an hour would be too many), then rollups.
type Source = 'raw' | (typeof RESOLUTION)[keyof typeof RESOLUTION];
type Plan = { stepSec: number; source: Source };
const PLAN: Record<MetricRange, Plan> = {
  '15m': { stepSec: 10, source: 'raw' },
  '1h': { stepSec: 30, source: 'raw' },
  '24h': { stepSec: 300, source: RESOLUTION.minute },
  '7d': { stepSec: 3600, source: RESOLUTION.hour },
  '30d': { stepSec: 3 * 3600, source: RESOLUTION.hour },
};
const CLUSTER_PLAN: Record<MetricRange, Plan> = { ...PLAN, '1h': { stepSec: 60, source: RESOLUTION.minute } };

const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

// Rows of one source since `since` matching `where`, with their time column named "t".
function from(source: Source, where: Prisma.Sql, since: Date): Prisma.Sql {
  return source === 'raw'
    ? Prisma.sql`(SELECT "at" AS t, * FROM "MetricSample" WHERE ${where} AND "at" >= ${since}) r`
    : Prisma.sql`(SELECT "bucket" AS t, * FROM "MetricRollup"
        WHERE ${where} AND "resolution" = ${Prisma.raw(String(source))} AND "bucket" >= ${since}) r`;
}

type SeriesRow = {
  t: unknown;
  cpu: unknown;
  mem: unknown;
  memTotal: unknown;
  load1: unknown;
  rd: unknown;
  wr: unknown;
};

// One host's or VM's points: means per bucket; disk rates between consecutive rows (a counter
// that went down, a restarted VM, counts as 0), averaged per bucket like the other figures.
async function series(where: Prisma.Sql, isVm: boolean, range: MetricRange): Promise<SeriesDto> {
  const { stepSec, source } = PLAN[range];
  const d = dialect();
  const since = new Date(Date.now() - METRIC_RANGES[range] * 1000);
  const e = d.epochSec(Prisma.raw('t'));
  const rate = (c: string) => Prisma.sql`CASE WHEN pe IS NULL OR e - pe <= 0 THEN NULL
    WHEN ${Prisma.raw(c)} >= ${Prisma.raw(`p${c}`)} THEN CAST(${Prisma.raw(c)} - ${Prisma.raw(`p${c}`)} AS DOUBLE PRECISION) / (e - pe) ELSE 0 END`;
  const rows = await db().$queryRaw<SeriesRow[]>`
    SELECT b AS t, AVG("cpuPct") AS cpu, AVG(CAST("memUsedBytes" AS DOUBLE PRECISION)) AS mem,
      AVG(CAST("memTotalBytes" AS DOUBLE PRECISION)) AS "memTotal", AVG("load1") AS load1,
      AVG(${rate('rd')}) AS rd, AVG(${rate('wr')}) AS wr
    FROM (
      SELECT ${d.bucketMs(Prisma.raw('t'), stepSec)} AS b, ${e} AS e, "cpuPct", "memUsedBytes", "memTotalBytes", "load1",
        "diskRdBytes" AS rd, "diskWrBytes" AS wr,
        LAG(${e}) OVER w AS pe, LAG("diskRdBytes") OVER w AS prd, LAG("diskWrBytes") OVER w AS pwr
      FROM ${from(source, where, since)}
      WINDOW w AS (ORDER BY t, "id")
    ) s
    GROUP BY b ORDER BY b`;
  const points = rows.map((r): MetricPoint => {
    const p: MetricPoint = { t: Number(r.t), cpuPct: Number(r.cpu), memUsedBytes: Number(r.mem) };
    const extra = isVm
      ? { diskRdBps: num(r.rd), diskWrBps: num(r.wr) }
      : { memTotalBytes: num(r.memTotal), load1: num(r.load1) };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) p[k as keyof typeof extra] = v;
    return p;
  });
  return { range, stepSec, points };
}

export async function hostSeries(hostId: string, range: MetricRange): Promise<SeriesDto> {
  if (!(await db().host.findUnique({ where: { id: hostId }, select: { id: true } })))
    throw noSuchObject('host', hostId);
  const own = PLAN[range].source === 'raw' ? Prisma.sql`"vmId" IS NULL` : Prisma.sql`"vmId" = ''`;
  return series(Prisma.sql`"hostId" = ${hostId} AND ${own}`, false, range);
}

// A migrated VM has samples under several hosts; the VM's series follows the VM, not the host.
export async function vmSeries(vmId: string, range: MetricRange): Promise<SeriesDto> {
  if (!(await db().vm.findUnique({ where: { id: vmId }, select: { id: true } }))) throw noSuchObject('VM', vmId);
  return series(Prisma.sql`"vmId" = ${vmId}`, true, range);
}

type ClusterRow = { t: unknown; cpu: unknown; mem: unknown; memTotal: unknown; load1: unknown };

// One aggregate query over every host: each host's means per bucket, then per bucket CPU averaged
// over the hosts reporting in it and memory and load summed.
export async function clusterSeries(range: MetricRange): Promise<SeriesDto> {
  const { stepSec, source } = CLUSTER_PLAN[range];
  const since = new Date(Date.now() - METRIC_RANGES[range] * 1000);
  const hostRows = source === 'raw' ? Prisma.sql`"vmId" IS NULL` : Prisma.sql`"vmId" = ''`;
  const rows = await db().$queryRaw<ClusterRow[]>`
    SELECT b AS t, AVG(cpu) AS cpu, SUM(mem) AS mem, SUM("memTotal") AS "memTotal", SUM(load1) AS load1
    FROM (
      SELECT "hostId", ${dialect().bucketMs(Prisma.raw('t'), stepSec)} AS b, AVG("cpuPct") AS cpu,
        AVG(CAST("memUsedBytes" AS DOUBLE PRECISION)) AS mem,
        AVG(CAST("memTotalBytes" AS DOUBLE PRECISION)) AS "memTotal", AVG("load1") AS load1
      FROM ${from(source, hostRows, since)}
      GROUP BY "hostId", b
    ) h
    GROUP BY b ORDER BY b`;
  const points = rows.map((r) => ({
    t: Number(r.t),
    cpuPct: Number(r.cpu),
    memUsedBytes: Number(r.mem),
    memTotalBytes: Number(r.memTotal),
    load1: Number(r.load1),
  }));
  return { range, stepSec, points };
}
