import { describe, expect, it } from 'vitest';
import type { HaStatus, PeerLease } from '@/lib/agent-protocol/ha';
import { deriveHostState, deriveHostStates, type DeriveOptions, type HostObservation } from './host-state';

const opts: DeriveOptions = {
  heartbeatSuspectMs: 10_000,
  heartbeatLostMs: 12_000,
  edacThreshold: 10,
  edacBaselines: new Map(),
};

function peer(host: string, state: PeerLease['state'], unchangedForMs = 500): PeerLease {
  return {
    host,
    generation: 3,
    counter: 40,
    renewedAt: '2026-12-06T12:00:00.000Z',
    unchangedForMs,
    lastReadAgeMs: 100,
    state,
  };
}

function status(
  host: string,
  peers: PeerLease[],
  over: { lease?: Partial<HaStatus['lease']>; edac?: Partial<HaStatus['edac']> } = {},
): HaStatus {
  return {
    host,
    timing: { renewMs: 2000, timeoutMs: 8000, fenceAfterMs: 6000 },
    lease: {
      generation: 3,
      counter: 40,
      lastRenewAgeMs: 300,
      valid: true,
      fenced: false,
      fencedAt: null,
      fencedVmIds: [],
      lastError: null,
      ...over.lease,
    },
    peers,
    edac: { readable: true, correctedErrors: 0, uncorrectedErrors: 0, ...over.edac },
  };
}

const obs = (
  name: string,
  s: HaStatus | null,
  heartbeatAgeMs: number | null = 1000,
  error: string | null = null,
): HostObservation => ({ id: `id-${name}`, name, heartbeatAgeMs, status: s, error: s ? null : (error ?? 'refused') });

describe('deriveHostState', () => {
  it('is online when heartbeats are on time and peers see the lease live', () => {
    const all = [obs('h1', status('h1', [peer('h2', 'live')])), obs('h2', status('h2', [peer('h1', 'live')]))];
    expect(deriveHostStates(all, opts).get('id-h1')).toMatchObject({
      state: 'online',
      leaseAgeMs: 500,
      leaseGeneration: 3,
      observedBy: 'h2',
      correctedErrors: 0,
    });
  });

  it('is failed only when a peer reports the lease expired, with that peer and its numbers', () => {
    const all = [obs('h1', null), obs('h2', status('h2', [peer('h1', 'expired', 8200)]))];
    const d = deriveHostState(all[0], all, opts);
    expect(d).toMatchObject({ state: 'failed', observedBy: 'h2', leaseAgeMs: 8200 });
    expect(d.reason).toContain('8.2 s as h2 sees it (timeout 8.0 s)');
  });

  it('says failed even when the host itself answers (a peer declared expiry: it must have fenced)', () => {
    const h1 = obs('h1', status('h1', [], { lease: { valid: false, fenced: true, fencedAt: '2026-12-06T12:00:06Z' } }));
    const all = [h1, obs('h2', status('h2', [peer('h1', 'expired', 8100)]))];
    expect(deriveHostState(h1, all, opts).state).toBe('failed');
  });

  it('is fenced when it says so and no peer says expired yet', () => {
    const h1 = obs(
      'h1',
      status('h1', [], {
        lease: {
          valid: false,
          fenced: true,
          fencedAt: '2026-12-06T12:00:06Z',
          fencedVmIds: ['vm-a'],
          lastError: 'EROFS',
        },
      }),
    );
    const all = [h1, obs('h2', status('h2', [peer('h1', 'suspect', 6500)]))];
    const d = deriveHostState(h1, all, opts);
    expect(d.state).toBe('fenced');
    expect(d.reason).toMatch(/killed 1 shared-storage VM.*EROFS/);
  });

  it('is isolated, not failed, when the dashboard lost it but a peer sees its lease live', () => {
    const all = [obs('h1', null, 30_000, 'connect ECONNREFUSED'), obs('h2', status('h2', [peer('h1', 'live', 900)]))];
    const d = deriveHostState(all[0], all, opts);
    expect(d).toMatchObject({ state: 'isolated', observedBy: 'h2', leaseAgeMs: 900 });
    expect(d.reason).toContain('ECONNREFUSED');
  });

  it('is isolated when its agent answers but its heartbeats stopped reaching the dashboard', () => {
    const all = [obs('h1', status('h1', [peer('h2', 'live')]), 20_000), obs('h2', status('h2', [peer('h1', 'live')]))];
    expect(deriveHostState(all[0], all, opts).state).toBe('isolated');
  });

  it('is suspect when unreachable and nobody can vouch for it (single host, or every read failed)', () => {
    expect(deriveHostState(obs('h1', null), [obs('h1', null)], opts).state).toBe('suspect');
    const all = [obs('h1', null), obs('h2', status('h2', [peer('h1', 'unreadable', 0)]))];
    expect(deriveHostState(all[0], all, opts).reason).toContain('no peer can vouch');
  });

  it('is suspect on missed heartbeats, late renewals or a lease not valid yet', () => {
    const peers = [obs('h2', status('h2', [peer('h1', 'live')]))];
    expect(deriveHostState(obs('h1', status('h1', []), 11_000), peers, opts).reason).toMatch(/^Missed heartbeats/);
    const late = [obs('h2', status('h2', [peer('h1', 'suspect', 4500)]))];
    expect(deriveHostState(obs('h1', status('h1', [])), late, opts)).toMatchObject({
      state: 'suspect',
      leaseAgeMs: 4500,
    });
    expect(deriveHostState(obs('h1', status('h1', [], { lease: { valid: false } })), peers, opts).state).toBe(
      'suspect',
    );
  });

  it('is degraded once corrected errors above the baseline reach the threshold', () => {
    const h1 = obs('h1', status('h1', [], { edac: { correctedErrors: 25 } }));
    expect(deriveHostState(h1, [h1], { ...opts, edacBaselines: new Map([['id-h1', 16]]) }).state).toBe('online'); // 9 new
    expect(deriveHostState(h1, [h1], { ...opts, edacBaselines: new Map([['id-h1', 15]]) })).toMatchObject({
      state: 'degraded',
      correctedErrors: 25,
    });
    // No baseline yet: the first reading is the baseline, old errors do not count.
    expect(deriveHostState(h1, [h1], opts).state).toBe('online');
    const noEdac = obs('h1', status('h1', [], { edac: { readable: false, correctedErrors: 0 } }));
    expect(deriveHostState(noEdac, [noEdac], opts).correctedErrors).toBeNull();
  });
});
