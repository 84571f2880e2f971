// Pure timing rules of the host lease (sanlock's delta lease; docs/ARCHITECTURE.md, "High
// availability"): which renew / timeout / margin triples are safe, and when the owner must fence,
// as functions of CLOCK_MONOTONIC readings (ns, process.hrtime.bigint(): system-wide, so the
// agent and its fence watchdog compare the same clock).
import type { HaTiming } from '@/lib/agent-protocol/ha';

export const DEFAULT_LEASE = { renewMs: 2000, timeoutMs: 8000, marginMs: 2000 } as const;
// The margin covers kill latency + the 100 ms validity poll + clock-rate drift; below 1 s there is
// no room left for a loaded host.
export const MIN_MARGIN_MS = 1000;

export type LeaseTimingInput = { renewMs: number; timeoutMs: number; marginMs: number };

// The timing, or why it is unsafe. Two renewals must fit before the owner fences, so one slow or
// lost write does not fence a healthy host.
export function leaseTiming(t: LeaseTimingInput): HaTiming | { error: string } {
  if (t.marginMs < MIN_MARGIN_MS)
    return { error: `lease margin ${t.marginMs} ms: must be at least ${MIN_MARGIN_MS} ms` };
  const fenceAfterMs = t.timeoutMs - t.marginMs;
  if (t.renewMs * 2 > fenceAfterMs) {
    return {
      error: `lease renew ${t.renewMs} ms: must be at most (timeout ${t.timeoutMs} - margin ${t.marginMs}) / 2 = ${Math.floor(fenceAfterMs / 2)} ms`,
    };
  }
  return { renewMs: t.renewMs, timeoutMs: t.timeoutMs, fenceAfterMs };
}

const NS_PER_MS = 1_000_000n;
export const msToNs = (ms: number) => BigInt(Math.round(ms)) * NS_PER_MS;
export const nsToMs = (ns: bigint) => Number(ns / NS_PER_MS);

export type LeaseClock = {
  startedNs: bigint; // when this agent process started holding (or trying to hold) the lease
  lastGoodStartNs: bigint | null; // start of the last renewal write that succeeded
};

// Valid: renewed (write started) within fenceAfterMs; only then may shared-pool VMs start here.
export function leaseValid(nowNs: bigint, c: LeaseClock, t: HaTiming): boolean {
  return c.lastGoodStartNs !== null && nowNs - c.lastGoodStartNs <= msToNs(t.fenceAfterMs);
}

// Past the fence deadline: every shared-pool QEMU must die now. Before the first renewal the
// process start stands in for it (QEMUs adopted from a previous agent run are guarded by the
// watchdog's own deadline meanwhile).
export function fenceDeadlineNs(c: LeaseClock, t: HaTiming): bigint {
  return (c.lastGoodStartNs ?? c.startedNs) + msToNs(t.fenceAfterMs);
}

export function mustFence(nowNs: bigint, c: LeaseClock, t: HaTiming): boolean {
  return nowNs > fenceDeadlineNs(c, t);
}
