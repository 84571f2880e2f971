import 'server-only';
import type { z } from 'zod';
import type { heartbeatSchema } from '@/lib/agent-protocol/core';
import type { SqlRunner } from '@/lib/db/sql-runner';
import { unauthenticated } from '@/lib/errors';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { factsChanged, hostFactsOf } from './host-facts';
import {
  insertSamples,
  markVmsLost,
  readHosts,
  readVms,
  updateHostFigures,
  updateVmFigures,
  updateVmStates,
  writeFacts,
  type FactsRow,
  type PoolRow,
  type SampleRow,
  type VmChange,
  type VmFigures,
  type VmLost,
} from './heartbeat-sql';

type Heartbeat = z.output<typeof heartbeatSchema>;
// `tokenHash`: the credential the heartbeat came with, checked again against the stored row.
export type HeartbeatItem = { hostId: string; tokenHash: string; hb: Heartbeat };
// Per heartbeat: the ids of the VMs whose state or readiness changed, or why it was refused.
export type HeartbeatOutcome = { changed: string[] } | { refused: Error };

const UNKNOWN_GRACE_MS = 15_000;
const LOST_REASON = 'The host agent does not know this VM (its files are missing)';

// Several hosts' heartbeats (one each) in one transaction, with a fixed number of statements
// whatever their number: at fleet size a statement per VM made the dashboard CPU-bound at ~800
// VM samples/s. Host facts and pools are written only when they differ from what is stored; VM
// states follow what QEMU reports, except while a task is working on the VM (the task owns the
// state then; the live figures still update so the VM page never shows a running VM using
// nothing). A heartbeat whose host is gone or whose token changed since it was authenticated (the
// endpoint may have used a cached lookup) is refused and writes nothing.
export async function applyHeartbeats(sql: SqlRunner, all: HeartbeatItem[]): Promise<Map<string, HeartbeatOutcome>> {
  const stored = await readHosts(
    sql,
    all.map((i) => i.hostId),
  );
  const outcome = new Map<string, HeartbeatOutcome>();
  const items = all.filter((i) => {
    const ok = stored.get(i.hostId)?.agentTokenHash === i.tokenHash;
    if (!ok) outcome.set(i.hostId, { refused: unauthenticated('Unknown agent token') });
    return ok;
  });
  if (!items.length) return outcome;
  const now = new Date();
  const facts = items.filter(({ hostId, hb }) => factsChanged(stored.get(hostId)!, hb.info));
  if (facts.length) await writeFacts(sql, facts.map(factsRow), facts.flatMap(poolRows), now);
  await updateHostFigures(
    sql,
    items.map(({ hostId, hb }) => ({
      id: hostId,
      at: now,
      cpuPct: hb.host.cpuPct,
      memUsedBytes: hb.host.memUsedBytes,
    })),
  );
  const { known, changed, live, moved, lost } = await vmUpdates(sql, items, now);
  await updateVmFigures(sql, live);
  if (moved.length) await updateVmStates(sql, moved);
  if (lost.length) await markVmsLost(sql, lost);
  await insertSamples(
    sql,
    items.flatMap(({ hostId, hb }) => samplesOf(hostId, hb, known)),
  );
  for (const { hostId } of items) outcome.set(hostId, { changed: changed.get(hostId)! });
  return outcome;
}

const factsRow = ({ hostId, hb }: HeartbeatItem): FactsRow => ({ id: hostId, ...hostFactsOf(hb.info) });

const poolRows = ({ hostId, hb: { info } }: HeartbeatItem): PoolRow[] =>
  info.pools.map((p) => ({
    hostId,
    name: p.name,
    kind: p.kind,
    path: p.path,
    totalBytes: Math.round(p.totalBytes),
    freeBytes: Math.round(p.freeBytes),
  }));

async function vmUpdates(sql: SqlRunner, items: HeartbeatItem[], now: Date) {
  const rows = await readVms(
    sql,
    items.map((i) => i.hostId),
  );
  const sampledAt = new Map(items.map(({ hostId, hb }) => [hostId, new Date(hb.at).getTime()]));
  const reported = new Map(items.flatMap(({ hostId, hb }) => hb.vms.map((v) => [`${hostId}/${v.id}`, v] as const)));
  const changed = new Map<string, string[]>(items.map((i) => [i.hostId, []]));
  const live: VmFigures[] = [];
  const moved: VmChange[] = [];
  const lost: VmLost[] = [];
  for (const vm of rows) {
    const r = reported.get(`${vm.hostId}/${vm.id}`);
    // A sample taken before the row last changed (a task that just stopped the VM finished after
    // the agent sampled it running) says nothing about the state now: it would set it back for a
    // beat. Live figures never bump updatedAt, so this holds back only real changes.
    const stale = vm.updatedAt.getTime() > sampledAt.get(vm.hostId)!;
    if (r) {
      // A guest that just printed its ready line is news even while a task works on its running
      // VM (the agent pushes that heartbeat at once): a provision's own poll would show it up to
      // half a second later.
      const figures = { id: vm.id, hostId: vm.hostId, cpuPct: r.cpuPct, rssBytes: Math.round(r.rssBytes) };
      const nowReady =
        vm.busy && !stale && vm.state === VM_STATE.running && r.state === 'running' && r.guestReady && !vm.guestReady;
      const stateChanged =
        !vm.busy && !stale && (VM_STATE_FROM_RUNTIME[r.state] !== vm.state || r.guestReady !== vm.guestReady);
      if (!nowReady && !stateChanged) {
        live.push(figures);
        continue;
      }
      moved.push({
        ...figures,
        at: now,
        ...(nowReady
          ? { state: vm.state, guestReady: true, clearWarning: true }
          : { state: VM_STATE_FROM_RUNTIME[r.state], guestReady: r.guestReady, clearWarning: false }),
      });
      changed.get(vm.hostId)!.push(vm.id);
    } else if (!vm.busy && !stale && vm.state !== VM_STATE.error) {
      const before = new Date(now.getTime() - UNKNOWN_GRACE_MS);
      lost.push({ id: vm.id, hostId: vm.hostId, state: vm.state, before, at: now, reason: LOST_REASON });
    }
  }
  return { known: new Set(rows.map((v) => `${v.hostId}/${v.id}`)), changed, live, moved, lost };
}

// The host's sample and those of its VMs the dashboard knows (an unknown VM is not recorded).
function samplesOf(hostId: string, hb: Heartbeat, known: Set<string>): SampleRow[] {
  const at = new Date(hb.at);
  const zero = { memTotalBytes: 0, load1: 0, diskRdBytes: 0, diskWrBytes: 0, diskRdOps: 0, diskWrOps: 0 };
  return [
    {
      ...zero,
      at,
      hostId,
      vmId: null,
      cpuPct: hb.host.cpuPct,
      memUsedBytes: Math.round(hb.host.memUsedBytes),
      memTotalBytes: Math.round(hb.host.memTotalBytes),
      load1: hb.host.load1,
    },
    ...hb.vms
      .filter((v) => known.has(`${hostId}/${v.id}`))
      .map((v) => ({
        ...zero,
        at,
        hostId,
        vmId: v.id,
        cpuPct: v.cpuPct,
        memUsedBytes: Math.round(v.rssBytes),
        diskRdBytes: Math.round(v.diskRdBytes),
        diskWrBytes: Math.round(v.diskWrBytes),
        diskRdOps: Math.round(v.diskRdOps),
        diskWrOps: Math.round(v.diskWrOps),
      })),
  ];
}
