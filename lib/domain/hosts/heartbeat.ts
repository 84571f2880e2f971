import 'server-only';
import { sqlTransaction } from '@/lib/db/sql-runner';
import { clientGone, invalidInput } from '@/lib/errors';
import { forgetAgentToken } from './credentials';
import { applyHeartbeats, type HeartbeatItem } from './heartbeat-batch';

// A sample time this far off the dashboard's clock is a broken host clock (or a forged body):
// refused, rather than charted days away from its neighbours. Raw samples are kept a day.
export const HEARTBEAT_MAX_AHEAD_MS = 10 * 60_000;
export const HEARTBEAT_MAX_AGE_MS = 24 * 3600_000;
const MAX_BATCH = 500;
// How long the first heartbeat of a batch waits for others. A batch's cost is mostly fixed
// (measured, CPU per 16-VM heartbeat on PostgreSQL: 2.9 ms alone, 0.6 ms in tens, 0.35 ms in
// hundreds; SQLite 9.7 / 1.1 / 0.8 ms), and agents push a heartbeat at once on a VM change, so a
// short wait keeps that news quick.
const GATHER_MS = 20;

type Pending = HeartbeatItem & {
  signal?: AbortSignal;
  resolve: (changed: string[]) => void;
  reject: (err: unknown) => void;
};
const queue: Pending[] = [];
let flushing = false;
let gathering: NodeJS.Timeout | null = null;

// One heartbeat: host facts, a host sample, and per-VM samples, all or nothing. Heartbeats that
// arrive within GATHER_MS of each other, or while the previous batch is being written, go together
// in one batch (one transaction, a fixed number of statements, one connection): at fleet size the
// dashboard writes a few batches a second instead of hundreds of transactions.
// Resolves once the heartbeat is stored, with the ids of the VMs whose state or readiness changed
// (pushed to open pages at once); a failed batch fails each of its heartbeats. A heartbeat whose
// caller gave up (`signal`) before its batch was written is dropped: an overloaded dashboard
// spends nothing more on it, and the agent's next one carries newer figures anyway.
export function ingestHeartbeat(item: HeartbeatItem, signal?: AbortSignal): Promise<string[]> {
  const { hb } = item;
  const skewMs = new Date(hb.at).getTime() - Date.now();
  if (skewMs > HEARTBEAT_MAX_AHEAD_MS || -skewMs > HEARTBEAT_MAX_AGE_MS)
    return Promise.reject(
      invalidInput({ at: [`is ${Math.round(skewMs / 1000)} s off the dashboard's clock; check the host's clock`] }),
    );
  return new Promise((resolve, reject) => {
    queue.push({ ...item, signal, resolve, reject });
    if (queue.length >= MAX_BATCH) void flush();
    else
      gathering ??= setTimeout(() => {
        gathering = null;
        void flush();
      }, GATHER_MS);
  });
}

async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    while (queue.length) {
      const batch = takeBatch();
      if (!batch.length) continue;
      try {
        const outcomes = await sqlTransaction((sql) => applyHeartbeats(sql, batch));
        for (const p of batch) {
          const o = outcomes.get(p.hostId)!;
          if ('changed' in o) p.resolve(o.changed);
          else {
            forgetAgentToken(p.tokenHash);
            p.reject(o.refused);
          }
        }
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  } finally {
    flushing = false;
  }
}

// The oldest heartbeats, one per host: a host's second one waits for the next batch, so each
// host's heartbeats are applied in order.
function takeBatch(): Pending[] {
  const batch: Pending[] = [];
  const hosts = new Set<string>();
  for (let i = 0; i < queue.length && batch.length < MAX_BATCH;) {
    if (queue[i].signal?.aborted) queue.splice(i, 1)[0].reject(clientGone());
    else if (hosts.has(queue[i].hostId)) i++;
    else {
      hosts.add(queue[i].hostId);
      batch.push(...queue.splice(i, 1));
    }
  }
  return batch;
}
