// The DR bench's background loops: the guest writing records at a steady rate, the worker's
// replication tick, and the RPO sampler. Each starts at once and stop() ends it and returns what
// it saw.
import { db } from '@/lib/db/client';
import { errorMessage } from '@/lib/errors';
import { ask, type SerialConsole } from '@/lib/testing/guest';
import { sleep } from '@/lib/wait-for';
import { scheduleReplication } from '@/lib/worker/replication-scheduler';
import { SCHEDULER_TICK_MS } from '@/lib/domain/dr/rpo-schedule';

export type Ack = { seq: number; at: number }; // the guest's record number, acknowledged at (ms epoch)

// A loop until stop(): `step` every `everyMs` on a fixed cadence (a slow step delays the next
// one, never two at once); the first error ends it and is rethrown by stop().
function loop(everyMs: number, step: () => Promise<void>) {
  let running = true;
  let failure: unknown = null;
  const done = (async () => {
    for (let next = Date.now(); running; next += everyMs) {
      await sleep(Math.max(0, next - Date.now()));
      if (running) await step();
    }
  })().catch((err) => {
    running = false;
    failure = err;
  });
  return async () => {
    running = false;
    await done;
    if (failure) throw failure;
  };
}

// `write n` on the guest's console: the newest record number, once the records are fsynced.
export const writeRecords = async (c: SerialConsole, vmId: string, n: number, timeoutMs?: number) =>
  Number((await ask(c, vmId, `write ${n}`, /^VMOPS-OK seq=\d+$/, timeoutMs)).split('=')[1]);

// One `write 1` every `everyMs` through the serial console: each record is fsynced before the
// guest answers, so a record acknowledged before a point's takenAt is in that point.
export function guestWriter(c: SerialConsole, vmId: string, everyMs = 500) {
  const acks: Ack[] = [];
  const stop = loop(everyMs, async () => {
    acks.push({ seq: await writeRecords(c, vmId, 1, 30_000), at: Date.now() });
  });
  return async () => (await stop(), acks);
}

// The worker's replication tick (lib/worker/main.ts), quiet but for a failing tick.
export function replicationTicker(log: (msg: string) => void) {
  return loop(SCHEDULER_TICK_MS, () =>
    scheduleReplication(() => {}).then(
      () => undefined,
      (err) => log(`replication tick failed: ${errorMessage(err)}`),
    ),
  );
}

// RPO = now - the newest point's takenAt, every second; takenAt of every point seen newest (keep-N
// merges old points away, their rows with them).
export function rpoSampler(jobId: string) {
  const rpoMs: number[] = [];
  const takenAt = new Map<string, number>();
  const stop = loop(1_000, async () => {
    const p = await db().replicaPoint.findFirst({ where: { jobId }, orderBy: { takenAt: 'desc' } });
    if (!p) return;
    takenAt.set(p.id, p.takenAt.getTime());
    rpoMs.push(Date.now() - p.takenAt.getTime());
  });
  return async () => (await stop(), { rpoMs, takenAt });
}

// The newest record acknowledged by `at` (0 when none).
export const seqAt = (acks: Ack[], at: number) => acks.filter((a) => a.at <= at).at(-1)?.seq ?? 0;

// Distinct `granule`-byte blocks the records first..last touch (record k is at byte k*512).
export function granulesTouched(first: number, last: number, granule: number): number {
  if (last < first) return 0;
  return Math.floor((last * 512) / granule) - Math.floor((first * 512) / granule) + 1;
}
