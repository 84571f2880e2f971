// Pure cost model for a live migration (pre-copy, as QEMU does it): optional storage mirror,
// then memory rounds until what is left fits the downtime limit, then the stop-and-copy.
// Bandwidth: what recent migrations between the two hosts achieved, else the cap the agent
// applies by default (the same constant), and never more than a cap the caller asks for.
import { DEFAULT_DOWNTIME_LIMIT_MS, DEFAULT_MAX_BANDWIDTH_BYTES } from '@/lib/agent/migration/protocol';
import type { BandwidthSource, MigrationEstimateDto, MigrationLoadDto, MigrationMode } from './dto';

const MiB = 1024 * 1024;
const SWITCHOVER_MS = 50; // pause, device state, resume on the target: fixed cost seen on TCG
const MAX_ROUNDS = 30;
// History fallback: a busy vCPU rewrites its working set; 16 MiB/s per fully busy vCPU is a
// deliberately rough figure, used only when the agent cannot measure the dirty rate.
const HISTORY_BYTES_PER_BUSY_VCPU = 16 * MiB;

export type DirtyRateInput =
  | { source: 'measured'; bytesPerSec: number }
  | { source: 'history'; diskWriteBytesPerSec: number; cpuPct: number; reason: string }
  | { source: 'none'; reason: string };

// Throughput of recent migrations between the two hosts: bytes sent over the source's copy time.
export type Throughput = { bytesPerSec: number; migrations: number };

export type EstimateInput = {
  mode: MigrationMode;
  memoryBytes: number; // configured guest memory
  rssBytes: number; // what QEMU has actually touched (0 = unknown); zero pages cost ~nothing
  vcpus: number;
  vmCpuPct: number; // % of its own vCPUs
  diskBytes: number; // bytes to mirror (storage mode)
  diskWriteBytesPerSec: number; // guest disk write rate: re-copied during the mirror
  dirty: DirtyRateInput;
  measured: Throughput | null;
  capBytesPerSec?: number; // requested for this migration
  downtimeLimitMs?: number;
  target: { cpuPct: number; cpuCount: number; memoryUsedBytes: number; memoryTotalBytes: number };
};

export type Estimate = Pick<
  MigrationEstimateDto,
  'mode' | 'memoryBytes' | 'diskBytes' | 'dirtyRateBytesPerSec' | 'dirtyRateSource' | 'bandwidthBytesPerSec' | 'bandwidthSource' | 'predictedDurationMs' | 'predictedDowntimeMs' | 'predictedBytes' | 'converges' | 'targetLoadBefore' | 'targetLoadAfter' | 'notes'
>;

// Summed bytes over summed time, so a big migration weighs more than a small (noisy) one. The
// caller leaves out migrations a cap slowed down: they measured the cap, not the link.
export function measuredThroughput(runs: readonly { bytes: number; transferMs: number }[]): Throughput | null {
  const ok = runs.filter((r) => r.bytes > 0 && r.transferMs > 0);
  const ms = ok.reduce((n, r) => n + r.transferMs, 0);
  return ok.length ? { bytesPerSec: (ok.reduce((n, r) => n + r.bytes, 0) / ms) * 1000, migrations: ok.length } : null;
}

export function bandwidthFor(measured: Throughput | null, capBytesPerSec?: number): { bytesPerSec: number; source: BandwidthSource; note: string } {
  const expected = measured ? measured.bytesPerSec : DEFAULT_MAX_BANDWIDTH_BYTES;
  if (capBytesPerSec !== undefined && capBytesPerSec < expected) return { bytesPerSec: capBytesPerSec, source: 'cap', note: `Bandwidth capped at ${fmtMiB(capBytesPerSec)}/s for this migration.` };
  if (measured) {
    const n = measured.migrations;
    return { bytesPerSec: expected, source: 'measured', note: `Bandwidth ${fmtMiB(expected)}/s, measured over the last ${n === 1 ? 'migration' : `${n} migrations`} between these hosts.` };
  }
  return { bytesPerSec: expected, source: 'default', note: `Assumes ${fmtMiB(expected)}/s, the agent's migration bandwidth cap: no migration between these hosts measured yet.` };
}

export function dirtyRateOf(d: DirtyRateInput, vcpus: number): number {
  if (d.source === 'measured') return d.bytesPerSec;
  if (d.source === 'none') return 0;
  return d.diskWriteBytesPerSec + (Math.min(100, Math.max(0, d.cpuPct)) / 100) * vcpus * HISTORY_BYTES_PER_BUSY_VCPU;
}

// Memory pre-copy: round 0 sends the touched memory, each next round what got dirtied during
// the previous one, until the remainder can be sent within the downtime limit.
export function memoryRounds(sendBytes: number, dirtyBytesPerSec: number, bandwidth: number, downtimeLimitMs: number) {
  const limitBytes = (bandwidth * downtimeLimitMs) / 1000;
  let remaining = sendBytes;
  let sent = 0;
  let ms = 0;
  let rounds = 0;
  while (remaining > limitBytes && rounds < MAX_ROUNDS) {
    const roundMs = (remaining / bandwidth) * 1000;
    sent += remaining;
    ms += roundMs;
    rounds++;
    const next = Math.min(sendBytes, (dirtyBytesPerSec * roundMs) / 1000);
    if (next >= remaining) return { sentBytes: sent + next, ms: ms + (next / bandwidth) * 1000, finalBytes: next, rounds, converges: false };
    remaining = next;
  }
  return { sentBytes: sent + remaining, ms: ms + (remaining / bandwidth) * 1000, finalBytes: remaining, rounds, converges: remaining <= limitBytes };
}

function load(cpuPct: number, used: number, total: number): MigrationLoadDto {
  return { cpuPct: round1(cpuPct), memoryUsedBytes: Math.round(used), memoryTotalBytes: Math.round(total), memoryPct: total > 0 ? round1((used / total) * 100) : 0 };
}
const round1 = (x: number) => Math.round(x * 10) / 10;

export function estimateMigration(i: EstimateInput): Estimate {
  const bw = bandwidthFor(i.measured, i.capBytesPerSec);
  const bandwidth = bw.bytesPerSec;
  const notes = [bw.note];
  const dirty = dirtyRateOf(i.dirty, i.vcpus);
  if (i.dirty.source === 'history') notes.push(`Dirty rate not measured (${i.dirty.reason}); estimated from the VM's recent disk writes and CPU use.`);
  if (i.dirty.source === 'none') notes.push(`Dirty rate unknown (${i.dirty.reason}); assumed idle.`);

  let diskMs = 0;
  const diskBytes = i.mode === 'storage' ? i.diskBytes : 0;
  let diskSent = 0;
  if (diskBytes > 0) {
    // Writes during the mirror are copied again; a writer faster than the link never converges.
    const net = bandwidth - i.diskWriteBytesPerSec;
    diskMs = net > 0 ? (diskBytes / net) * 1000 : (diskBytes / bandwidth) * 1000 * MAX_ROUNDS;
    diskSent = (diskMs / 1000) * bandwidth;
    if (net <= 0) notes.push('The guest writes to disk faster than the expected bandwidth: the disk mirror may not converge.');
  }
  const memSend = i.rssBytes > 0 ? Math.min(i.memoryBytes, i.rssBytes) : i.memoryBytes;
  if (i.rssBytes > 0 && i.rssBytes < i.memoryBytes) notes.push(`Only ${fmtMiB(memSend)} of ${fmtMiB(i.memoryBytes)} memory is touched; untouched (zero) pages cost almost nothing.`);
  const mem = memoryRounds(memSend, dirty, bandwidth, i.downtimeLimitMs ?? DEFAULT_DOWNTIME_LIMIT_MS);
  if (!mem.converges) notes.push('The guest dirties memory about as fast as it can be sent: QEMU would not converge without throttling the guest.');
  const downtimeMs = (mem.finalBytes / bandwidth) * 1000 + SWITCHOVER_MS;

  const t = i.target;
  const addedCpu = t.cpuCount > 0 ? (i.vmCpuPct * i.vcpus) / t.cpuCount : 0;
  const after = load(Math.min(100, t.cpuPct + addedCpu), t.memoryUsedBytes + i.memoryBytes, t.memoryTotalBytes);
  if (after.memoryPct > 90) notes.push(`The target would use ${after.memoryPct}% of its memory after the move.`);
  notes.push('Target memory after the move counts the VM\'s full configured memory (conservative).');

  return {
    mode: i.mode,
    memoryBytes: i.memoryBytes,
    diskBytes,
    dirtyRateBytesPerSec: Math.round(dirty),
    dirtyRateSource: i.dirty.source,
    bandwidthBytesPerSec: Math.round(bandwidth),
    bandwidthSource: bw.source,
    predictedDurationMs: Math.round(diskMs + mem.ms + SWITCHOVER_MS),
    predictedDowntimeMs: Math.round(downtimeMs),
    predictedBytes: Math.round(diskSent + mem.sentBytes),
    converges: mem.converges,
    targetLoadBefore: load(t.cpuPct, t.memoryUsedBytes, t.memoryTotalBytes),
    targetLoadAfter: after,
    notes,
  };
}

function fmtMiB(b: number): string {
  return `${Math.round((b / MiB) * 10) / 10} MiB`;
}
