import 'server-only';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import type { Host, Prisma, Vm } from '@/lib/generated/prisma/client';
import { errorMessage } from '@/lib/errors';
import { MIGRATION_STATE, type MigrationEstimateDto, type MigrationMode } from './dto';
import { estimateMigration, measuredThroughput, type DirtyRateInput, type Throughput } from './estimate';
import type { PastRun } from './fixed-costs';
import { linkBetween } from './links';
import type { MigrationOptions } from './schemas';

const MiB = 1024 * 1024;
const HISTORY_MS = 5 * 60_000;
const THROUGHPUT_RUNS = 5;

// Recent disk-write rate and CPU of a VM from its raw samples (counters: last - first over the
// window; a reset since then counts as 0).
async function recentActivity(
  vmId: string,
): Promise<{ diskWriteBytesPerSec: number; cpuPct: number; samples: number }> {
  const rows = await db().metricSample.findMany({
    where: { vmId, at: { gte: new Date(Date.now() - HISTORY_MS) } },
    orderBy: { at: 'asc' },
    select: { at: true, cpuPct: true, diskWrBytes: true },
  });
  if (rows.length < 2) return { diskWriteBytesPerSec: 0, cpuPct: rows[0]?.cpuPct ?? 0, samples: rows.length };
  const first = rows[0];
  const last = rows[rows.length - 1];
  const secs = (last.at.getTime() - first.at.getTime()) / 1000;
  const written = Number(last.diskWrBytes - first.diskWrBytes);
  return {
    diskWriteBytesPerSec: secs > 0 && written > 0 ? written / secs : 0,
    cpuPct: rows.reduce((s, r) => s + r.cpuPct, 0) / rows.length,
    samples: rows.length,
  };
}

// The VM's writable top layer: with an image below it (copy-on-write overlay on shared storage)
// only what the guest wrote is mirrored, approximated by its disk-write counter since boot;
// a standalone disk is mirrored whole.
async function diskBytesToMirror(vm: Vm): Promise<{ bytes: number; note: string }> {
  if (!vm.imageId)
    return { bytes: Number(vm.diskSizeBytes), note: 'The whole disk is mirrored (no shared image below it).' };
  const last = await db().metricSample.findFirst({
    where: { vmId: vm.id },
    orderBy: { at: 'desc' },
    select: { diskWrBytes: true },
  });
  const written = Math.min(Number(vm.diskSizeBytes), Number(last?.diskWrBytes ?? 0));
  return {
    bytes: written,
    note: 'Only the copy-on-write layer is mirrored (the image stays on shared storage); sized from what the guest wrote since boot.',
  };
}

// The newest successful migrations matching `where` that ran at full speed: one a cap slowed down
// (its estimate says so) measured the cap. Reconciled ones have no figures.
async function fullSpeedRuns(where: Prisma.MigrationWhereInput) {
  const rows = await db().migration.findMany({
    where: { ...where, state: MIGRATION_STATE.succeeded, bytesTransferred: { gt: 0 } },
    orderBy: { finishedAt: 'desc' },
    take: 4 * THROUGHPUT_RUNS,
    select: { bytesTransferred: true, transferMs: true, durationMs: true, estimate: true },
  });
  return rows
    .filter((r) => (JSON.parse(r.estimate) as Partial<MigrationEstimateDto>).bandwidthSource !== 'cap')
    .slice(0, THROUGHPUT_RUNS);
}

// Throughput between the two hosts (either way): bytes over the source's copy time.
async function recentThroughput(a: string, b: string): Promise<Throughput | null> {
  const runs = await fullSpeedRuns({
    transferMs: { gt: 0 },
    OR: [
      { sourceHostId: a, targetHostId: b },
      { sourceHostId: b, targetHostId: a },
    ],
  });
  return measuredThroughput(runs.map((r) => ({ bytes: Number(r.bytesTransferred), transferMs: r.transferMs ?? 0 })));
}

// Migrations of this mode between any hosts: what they took beyond their transfer is the fixed
// cost (task pickup, target start, hand-over), not a property of one link.
async function pastRuns(mode: MigrationMode): Promise<PastRun[]> {
  const runs = await fullSpeedRuns({ mode, durationMs: { gt: 0 } });
  return runs.map((r) => ({ durationMs: r.durationMs ?? 0, bytes: Number(r.bytesTransferred) }));
}

// What this VM's last successful migration sent for its memory (bytes minus the mirrored disk).
async function lastMemoryBytes(vmId: string): Promise<number | null> {
  const m = await db().migration.findFirst({
    where: { vmId, state: MIGRATION_STATE.succeeded, bytesTransferred: { gt: 0 } },
    orderBy: { finishedAt: 'desc' },
    select: { bytesTransferred: true, diskBytes: true },
  });
  const bytes = m ? Number(m.bytesTransferred - m.diskBytes) : 0;
  return bytes > 0 ? bytes : null;
}

// What recent migrations sent for memory over the memory their VMs have (their estimate's figure).
async function memoryShare(): Promise<number | null> {
  const rows = await db().migration.findMany({
    where: { state: MIGRATION_STATE.succeeded, bytesTransferred: { gt: 0 } },
    orderBy: { finishedAt: 'desc' },
    take: THROUGHPUT_RUNS,
    select: { bytesTransferred: true, diskBytes: true, estimate: true },
  });
  const shares = rows
    .map((r) => {
      const memory = (JSON.parse(r.estimate) as Partial<MigrationEstimateDto>).memoryBytes ?? 0;
      return memory > 0 ? Number(r.bytesTransferred - r.diskBytes) / memory : 0;
    })
    .filter((x) => x > 0)
    .sort((a, b) => a - b);
  return shares.length ? shares[Math.floor(shares.length / 2)] : null;
}

export async function buildEstimate(
  vm: Vm & { host: Host },
  target: Host,
  mode: MigrationMode,
  opts: MigrationOptions = {},
): Promise<MigrationEstimateDto> {
  const activity = await recentActivity(vm.id);
  let dirty: DirtyRateInput;
  let memoryInUseBytes: number | null = null;
  try {
    const measured = await (await agentFor(vm.hostId)).dirtyRate(vm.id);
    dirty = { source: 'measured', bytesPerSec: measured.dirtyRateMiBps * MiB };
    memoryInUseBytes = measured.memoryInUseBytes;
  } catch (err) {
    const reason = `the agent could not measure it: ${errorMessage(err)}`;
    dirty = activity.samples
      ? { source: 'history', diskWriteBytesPerSec: activity.diskWriteBytesPerSec, cpuPct: activity.cpuPct, reason }
      : { source: 'none', reason };
  }
  const disk =
    mode === 'storage'
      ? await diskBytesToMirror(vm)
      : { bytes: 0, note: 'The disk stays on shared storage; only memory moves.' };
  const e = estimateMigration({
    mode,
    memoryBytes: vm.memoryMiB * MiB,
    rssBytes: Number(vm.rssBytes),
    vcpus: vm.vcpus,
    vmCpuPct: vm.cpuPct,
    diskBytes: disk.bytes,
    diskWriteBytesPerSec: activity.diskWriteBytesPerSec,
    dirty,
    measured: await recentThroughput(vm.hostId, target.id),
    link: await linkBetween(vm.hostId, target.id),
    lastMemoryBytes: await lastMemoryBytes(vm.id),
    memoryInUseBytes,
    memoryShare: await memoryShare(),
    pastRuns: await pastRuns(mode),
    capBytesPerSec: opts.maxBandwidthBytes,
    downtimeLimitMs: opts.downtimeLimitMs,
    target: {
      cpuPct: target.cpuPct,
      cpuCount: target.cpuCount,
      memoryUsedBytes: Number(target.memoryUsedBytes),
      memoryTotalBytes: Number(target.memoryTotalBytes),
    },
  });
  return {
    ...e,
    notes: [disk.note, ...e.notes],
    vmId: vm.id,
    sourceHostId: vm.hostId,
    sourceHostName: vm.host.name,
    targetHostId: target.id,
    targetHostName: target.name,
    computedAt: new Date().toISOString(),
  };
}
