import 'server-only';
import { db } from '@/lib/db/client';
import type { HaHostState as HaHostStateRow, Host } from '@/lib/generated/prisma/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createAgentClient } from '@/lib/agent-client';
import { agentOptionsOf } from '@/lib/domain/hosts/agents';
import { changeMaintenance } from '@/lib/domain/hosts/maintenance';
import { OFFLINE_AFTER_MS } from '@/lib/domain/hosts/queries';
import { conflict, errorMessage } from '@/lib/errors';
import type { HaEventKind, HaHostState, HaPolicyDto } from './dto';
import { recordHaEventAudited } from './events';
import { deriveHostStates, type DerivedHostState, type HostObservation } from './host-state';
import { writeHostStates } from './host-state-sql';
import { getHaPolicy, HA_POLICY_ID, haPolicyRow } from './policy';
import { decidePendingRestarts, restartCrashedInPlace, restartFailedHosts } from './recovery';

// The HA tick (worker, every second): read every agent's HA status in parallel, derive each
// host's state (host-state.ts), record transitions, evacuate hosts with too many memory errors,
// queue restarts for the HA VMs of failed hosts and place the pending ones.
const MANAGER_LEASE_MS = 5_000; // another worker takes over this long after the manager stops
const STATUS_TIMEOUT_MS = 1_500;
const HEARTBEAT_SUSPECT_MS = 10_000; // two missed 5 s heartbeats

export type HaTickOptions = { managerId: string; log?: (msg: string) => void; now?: () => Date };

// One manager at a time: a compare-and-set on the policy row (free, expired, or already ours).
async function claimManager(managerId: string, now: Date): Promise<boolean> {
  await haPolicyRow();
  const claimed = await db().haPolicy.updateMany({
    where: {
      id: HA_POLICY_ID,
      OR: [{ managerLeaseUntil: null }, { managerLeaseUntil: { lt: now } }, { managerLeaseBy: managerId }],
    },
    data: { managerLeaseUntil: new Date(now.getTime() + MANAGER_LEASE_MS), managerLeaseBy: managerId },
  });
  return claimed.count === 1;
}

// Every host's GET /v1/ha/status at once, each bounded; a failure is kept as the reason.
async function observe(hosts: Host[], now: Date): Promise<HostObservation[]> {
  return Promise.all(
    hosts.map(async (h): Promise<HostObservation> => {
      const heartbeatAgeMs = h.lastHeartbeat ? Math.max(0, now.getTime() - h.lastHeartbeat.getTime()) : null;
      try {
        const agent = createAgentClient(await agentOptionsOf(h, { allowOffline: true, timeoutMs: STATUS_TIMEOUT_MS }));
        const status = await agent.haStatus();
        return { id: h.id, name: h.name, heartbeatAgeMs, status, error: null };
      } catch (err) {
        return { id: h.id, name: h.name, heartbeatAgeMs, status: null, error: errorMessage(err) };
      }
    }),
  );
}

const EVENT_OF: Record<HaHostState, HaEventKind> = {
  online: 'host-recovered',
  suspect: 'host-suspect',
  isolated: 'host-isolated',
  fenced: 'host-fenced',
  failed: 'lease-expired',
  degraded: 'host-degraded',
};

// Stores each host's state; a change of state is a timeline event and an audit entry.
async function recordStates(
  hosts: Host[],
  derived: Map<string, DerivedHostState>,
  prev: Map<string, HaHostStateRow>,
  now: Date,
): Promise<Map<string, HaHostStateRow>> {
  const rows = hosts.map((h): HaHostStateRow => {
    const d = derived.get(h.id)!;
    const before = prev.get(h.id);
    const changed = before?.state !== d.state;
    return {
      hostId: h.id,
      state: d.state,
      reason: d.reason,
      leaseAgeMs: d.leaseAgeMs,
      leaseGeneration: d.leaseGeneration,
      observedBy: d.observedBy,
      correctedErrors: d.correctedErrors,
      since: changed ? now : before!.since,
      updatedAt: now, // when leaseAgeMs was measured (a restart's failedAt counts back from it)
      // The first reading (and the first after maintenance) is the baseline: older errors do not count.
      edacBaseline: before?.edacBaseline ?? d.correctedErrors,
    };
  });
  await writeHostStates(rows);
  for (const h of hosts) {
    const d = derived.get(h.id)!;
    const before = prev.get(h.id);
    if (before?.state === d.state || (!before && d.state === 'online')) continue;
    const kind =
      d.state === 'suspect' && d.reason.startsWith('Missed heartbeats') ? 'heartbeat-missed' : EVENT_OF[d.state];
    await recordHaEventAudited({
      kind,
      hostId: h.id,
      message: `${h.name}: ${d.reason}`,
      data: { from: before?.state ?? null, to: d.state, leaseAgeMs: d.leaseAgeMs, observedBy: d.observedBy },
      action: `ha.host.${d.state}`,
      target: { type: 'host', id: h.id, name: h.name },
    });
  }
  return new Map(rows.map((r) => [r.hostId, r]));
}

// Corrected memory errors over the threshold: maintenance (live-migrates the running VMs away),
// entered by the system; retried each tick while the host is busy with another task.
async function evacuateDegraded(
  hosts: Host[],
  states: Map<string, HaHostStateRow>,
  log: (msg: string) => void,
): Promise<void> {
  for (const h of hosts) {
    const s = states.get(h.id);
    if (s?.state !== 'degraded' || h.maintenance) continue;
    try {
      const { taskId } = await changeMaintenance(
        SYSTEM_ACTOR,
        h,
        { enabled: true },
        { reason: s.reason, correctedErrors: s.correctedErrors, edacBaseline: s.edacBaseline },
      );
      await recordHaEventAudited({
        kind: 'host-degraded',
        hostId: h.id,
        message: `${h.name} entered maintenance for memory errors; its running VMs are being moved away`,
        data: { taskId },
        action: 'ha.host.evacuate',
        target: { type: 'host', id: h.id, name: h.name },
        result: 'accepted',
      });
    } catch (err) {
      if (!conflict.is(err)) throw err;
      log(`HA: ${h.name} is degraded but cannot enter maintenance yet: ${errorMessage(err)}`);
    }
  }
}

async function tick(opts: HaTickOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  const now = opts.now?.() ?? new Date();
  if (!(await claimManager(opts.managerId, now))) return;
  const policy: HaPolicyDto = await getHaPolicy();
  const hosts = await db().host.findMany({ orderBy: { name: 'asc' } });
  const prev = new Map((await db().haHostState.findMany()).map((s) => [s.hostId, s]));
  const observations = await observe(hosts, now);
  const derived = deriveHostStates(observations, {
    heartbeatSuspectMs: HEARTBEAT_SUSPECT_MS,
    heartbeatLostMs: OFFLINE_AFTER_MS,
    edacThreshold: policy.edacThreshold,
    edacBaselines: new Map([...prev].map(([id, s]) => [id, s.edacBaseline])),
  });
  const states = await recordStates(hosts, derived, prev, now);
  await restartFailedHosts(hosts, states, policy); // HA disabled: only tells which VMs are down
  if (policy.enabled) {
    await evacuateDegraded(hosts, states, log);
    await restartCrashedInPlace(hosts, states, now);
    await decidePendingRestarts(states, policy, log);
  }
}

// Ticks never overlap in one process: a timer firing during a slow tick (an agent timing out)
// runs the next one as soon as it ends, so a hung host stretches the period to ~1.5 s, no more.
let running: Promise<void> | null = null;
let again: HaTickOptions | null = null;

export function haTick(opts: HaTickOptions): Promise<void> {
  if (running) {
    again = opts;
    return running;
  }
  running = tick(opts).finally(() => {
    running = null;
    const next = again;
    again = null;
    if (next) void haTick(next).catch((err) => next.log?.(`HA tick failed: ${errorMessage(err)}`));
  });
  return running;
}
