import 'server-only';
import { db } from '@/lib/db/client';

const MINUTE = 60_000;
const RAW_KEEP_MS = 24 * 3600_000;
const ROLLUP_KEEP_MS = 7 * 24 * 3600_000;

// Folds finished minutes of raw samples into 1-minute rollups (mean CPU/memory, last disk
// counters), then prunes: raw kept a day, rollups a week. Idempotent: re-running a minute
// overwrites the same (host, vm, bucket) row.
export async function rollupMetrics(now = Date.now()): Promise<number> {
  const last = await db().metricRollup.findFirst({ orderBy: { bucket: 'desc' }, select: { bucket: true } });
  const from = last ? last.bucket.getTime() : now - RAW_KEEP_MS;
  const to = Math.floor(now / MINUTE) * MINUTE;
  if (to <= from) return 0;
  const rows = await db().metricSample.findMany({
    where: { at: { gte: new Date(from), lt: new Date(to) } },
    orderBy: { at: 'asc' },
  });
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.hostId}|${r.vmId ?? ''}|${Math.floor(r.at.getTime() / MINUTE) * MINUTE}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  for (const [key, g] of groups) {
    const [hostId, vmId, bucketMs] = key.split('|');
    const lastRow = g[g.length - 1];
    const data = {
      cpuPct: g.reduce((a, r) => a + r.cpuPct, 0) / g.length,
      memUsedBytes: BigInt(Math.round(g.reduce((a, r) => a + Number(r.memUsedBytes), 0) / g.length)),
      memTotalBytes: lastRow.memTotalBytes,
      load1: g.reduce((a, r) => a + r.load1, 0) / g.length,
      diskRdBytes: lastRow.diskRdBytes,
      diskWrBytes: lastRow.diskWrBytes,
    };
    const bucket = new Date(Number(bucketMs));
    await db().metricRollup.upsert({
      where: { hostId_vmId_bucket: { hostId, vmId, bucket } },
      create: { hostId, vmId, bucket, ...data },
      update: data,
    });
  }
  await db().metricSample.deleteMany({ where: { at: { lt: new Date(now - RAW_KEEP_MS) } } });
  await db().metricRollup.deleteMany({ where: { bucket: { lt: new Date(now - ROLLUP_KEEP_MS) } } });
  return groups.size;
}
