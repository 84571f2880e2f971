// Pure cost model for a live migration (pre-copy, as QEMU does it): fixed costs (the worker
// taking the task, the target's QEMU start, the hand-over), an optional storage mirror, then
// memory rounds until what is left fits the downtime limit, then the stop-and-copy.
// Bandwidth: what recent migrations between the two hosts achieved (running guests, as this one
// will be), else QEMU's own throughput over the link as the link probe measured it (a migration of
// a running machine's incompressible memory, run when the hosts joined), else the cap the agent
// applies by default (the same constant); never more than a cap the caller asks for. Fixed costs:
// fixed-costs.ts.
import { DEFAULT_DOWNTIME_LIMIT_MS, DEFAULT_MAX_BANDWIDTH_BYTES } from '@/lib/agent-protocol/migration';
import type { BandwidthSource, MigrationEstimateDto, MigrationLoadDto, MigrationMode } from './dto';
import { fixedFromHistory, fixedPrior, type PastRun } from './fixed-costs';

const MiB = 1024 * 1024;
const SWITCHOVER_MS = 50; // pause, device state, resume on the target: part of the downtime on TCG
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
// The link probe between the hosts (lib/domain/migrations/links.ts); exact: this very pair.
export type LinkProbe = { bytesPerSec: number; qemuStartMs: number; exact: boolean };

export type EstimateInput = {
  mode: MigrationMode;
  memoryBytes: number; // configured guest memory
  rssBytes: number; // what QEMU has actually touched (0 = unknown); zero pages cost ~nothing
  // Memory this VM's last migration sent (its RAM without zero pages, as QEMU counted it): a
  // better guess than RSS, which also counts QEMU's own memory (TCG's code buffer alone is 64 MiB).
  lastMemoryBytes?: number | null;
  // Guest RAM holding data now, as the source agent sampled it (non-zero pages: what QEMU sends).
  memoryInUseBytes?: number | null;
  // Memory sent over configured memory by recent migrations of other VMs (median), for a VM never moved.
  memoryShare?: number | null;
  vcpus: number;
  vmCpuPct: number; // % of its own vCPUs
  diskBytes: number; // bytes to mirror (storage mode)
  diskWriteBytesPerSec: number; // guest disk write rate: re-copied during the mirror
  dirty: DirtyRateInput;
  measured: Throughput | null;
  link: LinkProbe | null;
  pastRuns: readonly PastRun[]; // recent migrations of this mode (any hosts), newest first
  capBytesPerSec?: number; // requested for this migration
  downtimeLimitMs?: number;
  target: { cpuPct: number; cpuCount: number; memoryUsedBytes: number; memoryTotalBytes: number };
};

export type Estimate = Pick<
  MigrationEstimateDto,
  | 'mode'
  | 'memoryBytes'
  | 'diskBytes'
  | 'dirtyRateBytesPerSec'
  | 'dirtyRateSource'
  | 'bandwidthBytesPerSec'
  | 'bandwidthSource'
  | 'fixedMs'
  | 'fixedSource'
  | 'predictedDurationMs'
  | 'predictedDowntimeMs'
  | 'predictedBytes'
  | 'converges'
  | 'targetLoadBefore'
  | 'targetLoadAfter'
  | 'notes'
>;

// Summed bytes over summed time, so a big migration weighs more than a small (noisy) one. The
// caller leaves out migrations a cap slowed down: they measured the cap, not the link.
export function measuredThroughput(runs: readonly { bytes: number; transferMs: number }[]): Throughput | null {
  const ok = runs.filter((r) => r.bytes > 0 && r.transferMs > 0);
  const ms = ok.reduce((n, r) => n + r.transferMs, 0);
  return ok.length ? { bytesPerSec: (ok.reduce((n, r) => n + r.bytes, 0) / ms) * 1000, migrations: ok.length } : null;
}

export function bandwidthFor(
  measured: Throughput | null,
  capBytesPerSec?: number,
  link: LinkProbe | null = null,
): { bytesPerSec: number; source: BandwidthSource; note: string } {
  // Migrations of running guests, measured, win: the probe's machine holds no guest, and one
  // probe sample under load was off by 2-4x.
  const probe = measured ? null : link;
  const expected = Math.min(
    DEFAULT_MAX_BANDWIDTH_BYTES,
    probe ? probe.bytesPerSec : measured ? measured.bytesPerSec : DEFAULT_MAX_BANDWIDTH_BYTES,
  );
  if (capBytesPerSec !== undefined && capBytesPerSec < expected)
    return {
      bytesPerSec: capBytesPerSec,
      source: 'cap',
      note: `Bandwidth capped at ${fmtMiB(capBytesPerSec)}/s for this migration.`,
    };
  if (probe) {
    const whose = probe.exact ? 'between these hosts' : 'by these hosts with other peers';
    return {
      bytesPerSec: expected,
      source: 'probe',
      note: `Bandwidth ${fmtMiB(expected)}/s: QEMU's own migration throughput, measured ${whose} by the link probe.`,
    };
  }
  if (measured) {
    const n = measured.migrations;
    return {
      bytesPerSec: expected,
      source: 'measured',
      note: `Bandwidth ${fmtMiB(expected)}/s, measured over the last ${n === 1 ? 'migration' : `${n} migrations`} between these hosts.`,
    };
  }
  return {
    bytesPerSec: expected,
    source: 'default',
    note: `Assumes ${fmtMiB(expected)}/s, the agent's migration bandwidth cap: no migration between these hosts measured yet.`,
  };
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
    if (next >= remaining)
      return { sentBytes: sent + next, ms: ms + (next / bandwidth) * 1000, finalBytes: next, rounds, converges: false };
    remaining = next;
  }
  return {
    sentBytes: sent + remaining,
    ms: ms + (remaining / bandwidth) * 1000,
    finalBytes: remaining,
    rounds,
    converges: remaining <= limitBytes,
  };
}

function load(cpuPct: number, used: number, total: number): MigrationLoadDto {
  return {
    cpuPct: round1(cpuPct),
    memoryUsedBytes: Math.round(used),
    memoryTotalBytes: Math.round(total),
    memoryPct: total > 0 ? round1((used / total) * 100) : 0,
  };
}
const round1 = (x: number) => Math.round(x * 10) / 10;

// Zero pages cost almost nothing, so what QEMU sends is the memory holding data: what this VM's
// last migration sent; else its non-zero pages as the source agent sampled them; else its RSS
// (which also counts QEMU's own memory and touched zero pages: TCG's code buffer alone is 64 MiB),
// capped by the share of their memory other VMs' migrations sent.
function memoryToSend(i: EstimateInput): { bytes: number; note: string | null } {
  const mem = i.memoryBytes;
  if (i.lastMemoryBytes)
    return {
      bytes: Math.min(mem, i.lastMemoryBytes),
      note: `Memory to send ${fmtMiB(Math.min(mem, i.lastMemoryBytes))}: what this VM's last migration sent (zero pages cost almost nothing).`,
    };
  if (i.memoryInUseBytes)
    return {
      bytes: Math.min(mem, i.memoryInUseBytes),
      note: `Memory to send ${fmtMiB(Math.min(mem, i.memoryInUseBytes))}: the guest's memory holding data (non-zero pages, sampled by its agent; zero pages cost almost nothing).`,
    };
  const touched = i.rssBytes > 0 ? Math.min(mem, i.rssBytes) : mem;
  const share = i.memoryShare ? Math.round(mem * Math.min(1, i.memoryShare)) : mem;
  if (share < touched)
    return {
      bytes: share,
      note: `Memory to send ${fmtMiB(share)}: ${Math.round(i.memoryShare! * 100)}% of its memory, the share recent migrations of other VMs sent (zero pages cost almost nothing).`,
    };
  return {
    bytes: touched,
    note:
      touched < mem
        ? `Only ${fmtMiB(touched)} of ${fmtMiB(mem)} memory is touched; untouched (zero) pages cost almost nothing.`
        : null,
  };
}

export function estimateMigration(i: EstimateInput): Estimate {
  const bw = bandwidthFor(i.measured, i.capBytesPerSec, i.link);
  const bandwidth = bw.bytesPerSec;
  // Past runs' transfers at the uncapped link rate: a cap on this migration is not theirs.
  const linkRate = bandwidthFor(i.measured, undefined, i.link).bytesPerSec;
  const prior = fixedPrior(i.mode, i.link?.qemuStartMs ?? null);
  const fixed = fixedFromHistory(i.pastRuns, linkRate, prior) ?? prior;
  const notes = [bw.note, fixed.note];
  const dirty = dirtyRateOf(i.dirty, i.vcpus);
  if (i.dirty.source === 'history')
    notes.push(`Dirty rate not measured (${i.dirty.reason}); estimated from the VM's recent disk writes and CPU use.`);
  if (i.dirty.source === 'none') notes.push(`Dirty rate unknown (${i.dirty.reason}); assumed idle.`);

  let diskMs = 0;
  const diskBytes = i.mode === 'storage' ? i.diskBytes : 0;
  let diskSent = 0;
  if (diskBytes > 0) {
    // Writes during the mirror are copied again; a writer faster than the link never converges.
    const net = bandwidth - i.diskWriteBytesPerSec;
    diskMs = net > 0 ? (diskBytes / net) * 1000 : (diskBytes / bandwidth) * 1000 * MAX_ROUNDS;
    diskSent = (diskMs / 1000) * bandwidth;
    if (net <= 0)
      notes.push('The guest writes to disk faster than the expected bandwidth: the disk mirror may not converge.');
  }
  const send = memoryToSend(i);
  const memSend = send.bytes;
  if (send.note) notes.push(send.note);
  const mem = memoryRounds(memSend, dirty, bandwidth, i.downtimeLimitMs ?? DEFAULT_DOWNTIME_LIMIT_MS);
  if (!mem.converges)
    notes.push(
      'The guest dirties memory about as fast as it can be sent: QEMU would not converge without throttling the guest.',
    );
  const downtimeMs = (mem.finalBytes / bandwidth) * 1000 + SWITCHOVER_MS;

  const t = i.target;
  const addedCpu = t.cpuCount > 0 ? (i.vmCpuPct * i.vcpus) / t.cpuCount : 0;
  const after = load(Math.min(100, t.cpuPct + addedCpu), t.memoryUsedBytes + i.memoryBytes, t.memoryTotalBytes);
  if (after.memoryPct > 90) notes.push(`The target would use ${after.memoryPct}% of its memory after the move.`);
  notes.push("Target memory after the move counts the VM's full configured memory (conservative).");

  return {
    mode: i.mode,
    memoryBytes: i.memoryBytes,
    diskBytes,
    dirtyRateBytesPerSec: Math.round(dirty),
    dirtyRateSource: i.dirty.source,
    bandwidthBytesPerSec: Math.round(bandwidth),
    bandwidthSource: bw.source,
    fixedMs: fixed.ms,
    fixedSource: fixed.source,
    predictedDurationMs: Math.round(fixed.ms + diskMs + mem.ms),
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
