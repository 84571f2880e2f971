// Pure state of the peer leases an observer watches (sanlock's delta-lease rule): a lease is
// expired only after this observer saw its (generation, counter) unchanged for the whole timeout
// on its OWN monotonic clock, judged by reads that succeeded. Failed reads are no evidence.
//
// Conservative times: `sinceMs` is when the read that first returned a value ENDED (>= the start
// of the write that made it), `lastGoodReadMs` when the latest read returning the same value
// BEGAN; both choices can only delay expiry, never advance it.
import type { HaTiming, LeaseRecord, PeerLease, PeerLeaseState } from '@/lib/agent-protocol/ha';

export type PeerTrack = {
  host: string;
  generation: number;
  counter: number;
  renewedAt: string;
  ownerTimeoutMs: number | null; // the owner's own lease timeout, as its record states it
  sinceMs: number;
  lastGoodReadMs: number;
  lastFailedReadMs: number | null; // a read of this host's lease that failed after the last good one
};

export type PeerTracks = Map<string, PeerTrack>;

// A read of `host`'s lease that began at startMs and ended at endMs: the record, or null when it
// failed (missing, unparsable, timed out).
export function observeRead(
  tracks: PeerTracks,
  host: string,
  record: LeaseRecord | null,
  startMs: number,
  endMs: number,
): void {
  const t = tracks.get(host);
  if (!record) {
    if (t) t.lastFailedReadMs = endMs;
    return;
  }
  if (!t || t.generation !== record.generation || t.counter !== record.counter) {
    tracks.set(host, {
      host,
      generation: record.generation,
      counter: record.counter,
      renewedAt: record.renewedAt,
      ownerTimeoutMs: record.timeoutMs ?? null,
      sinceMs: endMs,
      lastGoodReadMs: Math.max(startMs, t?.lastGoodReadMs ?? startMs),
      lastFailedReadMs: null,
    });
    return;
  }
  t.lastGoodReadMs = Math.max(t.lastGoodReadMs, startMs);
  t.lastFailedReadMs = null;
}

// The longer of this observer's timeout and the owner's: hosts configured differently never meet
// an owner that fences later than its peers declare it expired.
export const expiryMs = (t: PeerTrack, timing: HaTiming) => Math.max(timing.timeoutMs, t.ownerTimeoutMs ?? 0);

export function peerState(t: PeerTrack, nowMs: number, timing: HaTiming): PeerLeaseState {
  const unchanged = t.lastGoodReadMs - t.sinceMs;
  if (unchanged >= expiryMs(t, timing)) return 'expired';
  // No read succeeded lately (storage hung or the file is gone here): no evidence either way.
  if (t.lastFailedReadMs !== null || nowMs - t.lastGoodReadMs > 2 * timing.renewMs) return 'unreadable';
  return unchanged > 2 * timing.renewMs ? 'suspect' : 'live';
}

export function peerView(t: PeerTrack, nowMs: number, timing: HaTiming): PeerLease {
  return {
    host: t.host,
    generation: t.generation,
    counter: t.counter,
    renewedAt: t.renewedAt,
    unchangedForMs: Math.max(0, Math.round(t.lastGoodReadMs - t.sinceMs)),
    lastReadAgeMs: Math.max(0, Math.round(nowMs - t.lastGoodReadMs)),
    state: peerState(t, nowMs, timing),
  };
}
