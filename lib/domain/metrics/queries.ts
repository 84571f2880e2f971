import 'server-only';
import { db } from '@/lib/db/client';
import { noSuchObject } from '@/lib/errors';
import { METRIC_RANGES, type MetricRange, type SeriesDto } from './dto';
import { bucketize, combineHosts, type RawSample } from './series';

// Short ranges read raw 5 s samples; 24 h reads the 1-minute rollups. Steps are twice the push
// interval at least, so agent jitter never leaves a bucket without a host's sample.
const STEP_SEC: Record<MetricRange, number> = { '15m': 10, '1h': 30, '24h': 300 };

type Row = {
  cpuPct: number;
  memUsedBytes: bigint;
  memTotalBytes: bigint;
  load1: number;
  diskRdBytes: bigint;
  diskWrBytes: bigint;
};

// Host rows carry memory and load; VM rows carry disk counters (and RSS as memory used).
function toSample(t: number, r: Row, isVm: boolean): RawSample {
  return isVm
    ? {
        t,
        cpuPct: r.cpuPct,
        memUsedBytes: Number(r.memUsedBytes),
        diskRdBytes: Number(r.diskRdBytes),
        diskWrBytes: Number(r.diskWrBytes),
      }
    : {
        t,
        cpuPct: r.cpuPct,
        memUsedBytes: Number(r.memUsedBytes),
        memTotalBytes: Number(r.memTotalBytes),
        load1: r.load1,
      };
}

async function samples(hostId: string, vmId: string | null, range: MetricRange): Promise<RawSample[]> {
  const since = new Date(Date.now() - METRIC_RANGES[range] * 1000);
  if (range === '24h') {
    const rows = await db().metricRollup.findMany({
      where: { hostId, vmId: vmId ?? '', bucket: { gte: since } },
      orderBy: { bucket: 'asc' },
    });
    return rows.map((r) => toSample(r.bucket.getTime(), r, !!vmId));
  }
  const rows = await db().metricSample.findMany({
    where: { hostId, vmId, at: { gte: since } },
    orderBy: { at: 'asc' },
  });
  return rows.map((r) => toSample(r.at.getTime(), r, !!vmId));
}

export async function hostSeries(hostId: string, range: MetricRange): Promise<SeriesDto> {
  if (!(await db().host.findUnique({ where: { id: hostId }, select: { id: true } })))
    throw noSuchObject('host', hostId);
  return { range, stepSec: STEP_SEC[range], points: bucketize(await samples(hostId, null, range), STEP_SEC[range]) };
}

export async function vmSeries(vmId: string, range: MetricRange): Promise<SeriesDto> {
  const vm = await db().vm.findUnique({ where: { id: vmId }, select: { hostId: true } });
  if (!vm) throw noSuchObject('VM', vmId);
  // A migrated VM has samples under several hosts; the VM's series follows the VM, not the host.
  const hostIds = (
    await db().metricSample.findMany({ where: { vmId }, distinct: ['hostId'], select: { hostId: true } })
  ).map((r) => r.hostId);
  const all = (await Promise.all((hostIds.length ? hostIds : [vm.hostId]).map((h) => samples(h, vmId, range))))
    .flat()
    .sort((a, b) => a.t - b.t);
  return { range, stepSec: STEP_SEC[range], points: bucketize(all, STEP_SEC[range]) };
}

export async function clusterSeries(range: MetricRange): Promise<SeriesDto> {
  const hosts = await db().host.findMany({ select: { id: true } });
  const perHost = await Promise.all(
    hosts.map(async (h) => bucketize(await samples(h.id, null, range), STEP_SEC[range])),
  );
  return { range, stepSec: STEP_SEC[range], points: combineHosts(perHost) };
}
