import { describe, expect, it } from 'vitest';
import { observeRead, peerState, peerView, type PeerTracks } from './observer-state';
import type { HaTiming, LeaseRecord } from '@/lib/agent-protocol/ha';

const t: HaTiming = { renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 };
const rec = (counter: number, generation = 1): LeaseRecord => ({
  format: 1,
  host: 'h1',
  generation,
  counter,
  renewedAt: '2026-12-06T12:00:00.000Z',
});

// Reads every 500 ms taking 10 ms each, the way the observer polls; `value(ms)` is what the file holds.
function run(tracks: PeerTracks, fromMs: number, toMs: number, value: (ms: number) => LeaseRecord | null) {
  for (let ms = fromMs; ms <= toMs; ms += 500) observeRead(tracks, 'h1', value(ms), ms, ms + 10);
}

describe('peer lease tracking', () => {
  it('is live while the counter moves, suspect after 2 renew intervals, expired after the timeout', () => {
    const tracks: PeerTracks = new Map();
    run(tracks, 0, 10_000, (ms) => rec(Math.floor(ms / 2000))); // renewing every 2 s
    expect(peerView(tracks.get('h1')!, 10_010, t)).toMatchObject({ state: 'live', counter: 5, lastReadAgeMs: 10 });
    run(tracks, 10_500, 14_500, () => rec(5)); // stopped at 10 s
    expect(peerState(tracks.get('h1')!, 14_510, t)).toBe('suspect');
    run(tracks, 15_000, 18_000, () => rec(5));
    // first seen (read ended) at 10_010; last read starting at 18_000: 7990 ms < 8000
    expect(peerView(tracks.get('h1')!, 18_010, t)).toMatchObject({ state: 'suspect', unchangedForMs: 7990 });
    run(tracks, 18_500, 18_500, () => rec(5));
    expect(peerView(tracks.get('h1')!, 18_510, t)).toMatchObject({ state: 'expired', unchangedForMs: 8490 });
  });

  it("waits for the owner's own timeout when it is longer than the observer's", () => {
    const tracks: PeerTracks = new Map();
    run(tracks, 0, 12_000, () => ({ ...rec(3), timeoutMs: 12_000 })); // fences at 10 s, say: never seen moving
    expect(peerView(tracks.get('h1')!, 12_010, t)).toMatchObject({ state: 'suspect', unchangedForMs: 11_990 });
    run(tracks, 12_500, 12_500, () => ({ ...rec(3), timeoutMs: 12_000 }));
    expect(peerState(tracks.get('h1')!, 12_510, t)).toBe('expired');
    // A shorter owner timeout never shortens this observer's wait.
    const short: PeerTracks = new Map();
    run(short, 0, 7_500, () => ({ ...rec(3), timeoutMs: 1_000 }));
    expect(peerState(short.get('h1')!, 7_510, t)).toBe('suspect');
  });

  it('takes failed reads as no evidence: never expired by them, unreadable meanwhile', () => {
    const tracks: PeerTracks = new Map();
    run(tracks, 0, 1000, () => rec(1));
    run(tracks, 1500, 30_000, () => null); // storage hung here
    const view = peerView(tracks.get('h1')!, 30_010, t);
    expect(view).toMatchObject({ state: 'unreadable', unchangedForMs: 990, lastReadAgeMs: 29_010 });
    // Reads work again and the counter has not moved: the clock only counts from the evidence.
    run(tracks, 30_500, 30_500, () => rec(1));
    expect(peerState(tracks.get('h1')!, 30_510, t)).toBe('expired'); // 30_500 - 10 >= 8000: seen unchanged that long
  });

  it('counts a generation change (agent restarted, counter back to 0) as a change', () => {
    const tracks: PeerTracks = new Map();
    run(tracks, 0, 7500, () => rec(7, 1));
    observeRead(tracks, 'h1', rec(7, 2), 8000, 8010);
    expect(peerView(tracks.get('h1')!, 8010, t)).toMatchObject({ state: 'live', generation: 2, unchangedForMs: 0 });
  });

  it('needs the whole timeout on this observer: a lease first seen already stale is not expired at once', () => {
    const tracks: PeerTracks = new Map();
    run(tracks, 100_000, 107_500, () => rec(3)); // dead long before this observer started
    expect(peerState(tracks.get('h1')!, 107_510, t)).toBe('suspect');
    run(tracks, 108_000, 108_500, () => rec(3));
    expect(peerState(tracks.get('h1')!, 108_510, t)).toBe('expired');
  });

  it('an unknown host read as failed is no track at all', () => {
    const tracks: PeerTracks = new Map();
    observeRead(tracks, 'h1', null, 0, 1);
    expect(tracks.size).toBe(0);
  });
});
