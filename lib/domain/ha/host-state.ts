// Pure: each host's HA state from what the dashboard could read this tick (every agent's
// GET /v1/ha/status and the heartbeat ages). The one rule that starts restarts: a host is failed
// only when a PEER reports its lease expired (sanlock's delta-lease rule, judged on that peer's
// own monotonic clock). The dashboard's own view (unreachable, heartbeats missing) never fails a
// host: it makes it isolated (peers see the lease live) or suspect.
import type { HaStatus, PeerLease } from '@/lib/agent-protocol/ha';
import type { HaHostState } from './dto';

export type HostObservation = {
  id: string;
  name: string; // the agent's name, as lease files and peer reports name it
  heartbeatAgeMs: number | null; // null: never heard from
  status: HaStatus | null; // null: GET /v1/ha/status failed this tick
  error: string | null; // why status is null
};

export type DerivedHostState = {
  state: HaHostState;
  reason: string;
  leaseAgeMs: number | null;
  leaseGeneration: number | null;
  observedBy: string | null;
  correctedErrors: number | null;
};

export type DeriveOptions = {
  heartbeatSuspectMs: number; // missed heartbeats: suspect
  heartbeatLostMs: number; // no heartbeat for this long: the dashboard has lost the host
  edacThreshold: number;
  edacBaselines: ReadonlyMap<string, number | null>; // host id -> corrected errors not counted
};

type PeerView = { by: string; lease: PeerLease };

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export type PeerIndex = ReadonlyMap<string, PeerView[]>;

// What every reachable peer reports of each host's lease (its first report of it), by host name:
// built once a tick. Looking each host up in every peer's list instead was quadratic, and at
// 2,500 hosts the HA tick alone kept a worker's core busy.
export function peerIndex(all: readonly HostObservation[]): PeerIndex {
  const index = new Map<string, PeerView[]>();
  for (const o of all) {
    if (!o.status) continue;
    const seen = new Set<string>([o.name]);
    for (const lease of o.status.peers) {
      if (seen.has(lease.host)) continue;
      seen.add(lease.host);
      const views = index.get(lease.host) ?? index.set(lease.host, []).get(lease.host)!;
      views.push({ by: o.name, lease });
    }
  }
  return index;
}

export function deriveHostState(
  host: HostObservation,
  all: readonly HostObservation[],
  opts: DeriveOptions,
  peers: PeerIndex = peerIndex(all),
): DerivedHostState {
  const views = peers.get(host.name) ?? [];
  const evidence = views.filter((v) => v.lease.state !== 'unreadable');
  const freshest = evidence.reduce<PeerView | null>(
    (a, v) => (!a || v.lease.unchangedForMs < a.lease.unchangedForMs ? v : a),
    null,
  );
  const own = host.status;
  const correctedErrors = own?.edac.readable ? own.edac.correctedErrors : null;
  const base = {
    leaseAgeMs: freshest?.lease.unchangedForMs ?? own?.lease.lastRenewAgeMs ?? null,
    leaseGeneration: own?.lease.generation ?? freshest?.lease.generation ?? null,
    observedBy: freshest?.by ?? null,
    correctedErrors,
  };
  const at = (state: HaHostState, reason: string, over: Partial<DerivedHostState> = {}): DerivedHostState => ({
    ...base,
    state,
    reason,
    ...over,
  });

  const expired = views.find((v) => v.lease.state === 'expired');
  if (expired) {
    const timeout = own?.timing.timeoutMs ?? all.find((o) => o.name === expired.by)?.status?.timing.timeoutMs;
    return at(
      'failed',
      `Lease expired: its counter has not moved for ${secs(expired.lease.unchangedForMs)} as ${expired.by} sees it${timeout ? ` (timeout ${secs(timeout)})` : ''}`,
      {
        leaseAgeMs: expired.lease.unchangedForMs,
        leaseGeneration: expired.lease.generation,
        observedBy: expired.by,
      },
    );
  }
  if (own?.lease.fenced) {
    const vms = own.lease.fencedVmIds.length ? `; killed ${own.lease.fencedVmIds.length} shared-storage VM(s)` : '';
    return at(
      'fenced',
      `Fenced itself${own.lease.fencedAt ? ` at ${own.lease.fencedAt}` : ''}: lease not renewed within ${secs(own.timing.fenceAfterMs)}${vms}${own.lease.lastError ? ` (${own.lease.lastError})` : ''}`,
      { observedBy: host.name },
    );
  }
  const lost = !own || host.heartbeatAgeMs === null || host.heartbeatAgeMs > opts.heartbeatLostMs;
  if (lost) {
    const why = !own
      ? `the dashboard cannot reach its agent (${host.error ?? 'no answer'})`
      : `no heartbeat for ${host.heartbeatAgeMs === null ? 'ever' : secs(host.heartbeatAgeMs)}`;
    const live = evidence.find((v) => v.lease.state === 'live');
    if (live)
      return at(
        'isolated',
        `Isolated: ${why}, but ${live.by} sees its lease renewed ${secs(live.lease.unchangedForMs)} ago: it is alive, its VMs are not restarted`,
        { observedBy: live.by, leaseAgeMs: live.lease.unchangedForMs },
      );
    if (freshest)
      return at(
        'suspect',
        `Suspect: ${why}; ${freshest.by} sees its lease unchanged for ${secs(freshest.lease.unchangedForMs)}`,
      );
    return at('suspect', `Suspect: ${why}; no peer can vouch for its lease`);
  }
  if (host.heartbeatAgeMs !== null && host.heartbeatAgeMs > opts.heartbeatSuspectMs)
    return at('suspect', `Missed heartbeats: the last one came ${secs(host.heartbeatAgeMs)} ago`);
  const late = evidence.find((v) => v.lease.state === 'suspect');
  if (late)
    return at(
      'suspect',
      `Lease renewals late: ${late.by} sees its counter unchanged for ${secs(late.lease.unchangedForMs)}`,
      { observedBy: late.by, leaseAgeMs: late.lease.unchangedForMs },
    );
  if (!own.lease.valid)
    return at('suspect', `Its own lease is not valid yet${own.lease.lastError ? `: ${own.lease.lastError}` : ''}`, {
      observedBy: host.name,
    });
  const baseline = opts.edacBaselines.get(host.id) ?? correctedErrors;
  if (correctedErrors !== null && baseline !== null && correctedErrors - baseline >= opts.edacThreshold)
    return at(
      'degraded',
      `Degraded: ${correctedErrors - baseline} corrected memory errors (threshold ${opts.edacThreshold}); its VMs are moved away`,
    );
  return at('online', 'Lease renewed, heartbeats on time');
}

export function deriveHostStates(all: readonly HostObservation[], opts: DeriveOptions): Map<string, DerivedHostState> {
  const peers = peerIndex(all);
  return new Map(all.map((h) => [h.id, deriveHostState(h, all, opts, peers)]));
}
