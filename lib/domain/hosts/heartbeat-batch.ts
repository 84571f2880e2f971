import 'server-only';
import type { z } from 'zod';
import { Prisma } from '@/lib/generated/prisma/client';
import type { heartbeatSchema } from '@/lib/agent-protocol/core';
import { inChunks } from '@/lib/db/in-chunks';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { applyAgentInfo, factsChanged } from './host-facts';
import { insertSamples, updateHostFigures, updateVmFigures, type SampleRow, type VmFigures } from './heartbeat-sql';

type Tx = Prisma.TransactionClient;
type Heartbeat = z.output<typeof heartbeatSchema>;
export type HeartbeatItem = { hostId: string; hb: Heartbeat };

const UNKNOWN_GRACE_MS = 15_000;

// Several hosts' heartbeats (one each) in one transaction, with a fixed number of statements
// whatever their number: at fleet size a statement per VM made the dashboard CPU-bound at ~800
// VM samples/s. Host facts and pools are written only when they differ from what is stored; VM
// states follow what QEMU reports, except while a task is working on the VM (the task owns the
// state then; the live figures still update so the VM page never shows a running VM using
// nothing). Returns, per host, the ids of the VMs whose state or readiness changed.
export async function applyHeartbeats(tx: Tx, items: HeartbeatItem[]): Promise<Map<string, string[]>> {
  const hostIds = items.map((i) => i.hostId);
  const stored = new Map(
    (await inChunks(hostIds, (ids) => tx.host.findMany({ where: { id: { in: ids } }, include: { pools: true } }))).map(
      (h) => [h.id, h],
    ),
  );
  for (const { hostId, hb } of items) {
    const host = stored.get(hostId);
    if (host && factsChanged(host, hb.info)) await applyAgentInfo(hostId, hb.info, {}, tx);
  }
  const now = new Date();
  await updateHostFigures(
    tx,
    items.map(({ hostId, hb }) => ({
      id: hostId,
      at: now,
      cpuPct: hb.host.cpuPct,
      memUsedBytes: hb.host.memUsedBytes,
    })),
  );
  const { known, changed, live } = await updateVmStates(tx, items);
  await updateVmFigures(tx, live);
  await insertSamples(
    tx,
    items.flatMap(({ hostId, hb }) => samplesOf(hostId, hb, known)),
  );
  return changed;
}

async function updateVmStates(tx: Tx, items: HeartbeatItem[]) {
  const rows = await inChunks(
    items.map((i) => i.hostId),
    (ids) =>
      tx.vm.findMany({
        where: { hostId: { in: ids } },
        select: { id: true, hostId: true, state: true, guestReady: true, updatedAt: true },
      }),
  );
  const busy = new Set(
    (
      await inChunks(
        rows.map((v) => v.id),
        (ids) =>
          tx.task.findMany({
            where: { targetType: 'vm', targetId: { in: ids }, state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
            select: { targetId: true },
          }),
      )
    ).map((t) => t.targetId),
  );
  const sampledAt = new Map(items.map(({ hostId, hb }) => [hostId, new Date(hb.at).getTime()]));
  const reported = new Map(items.flatMap(({ hostId, hb }) => hb.vms.map((v) => [`${hostId}/${v.id}`, v] as const)));
  const changed = new Map<string, string[]>(items.map((i) => [i.hostId, []]));
  const live: VmFigures[] = [];
  for (const vm of rows) {
    const r = reported.get(`${vm.hostId}/${vm.id}`);
    // A sample taken before the row last changed (a task that just stopped the VM finished after
    // the agent sampled it running) says nothing about the state now: it would set it back for a
    // beat. Live figures never bump updatedAt, so this holds back only real changes.
    const stale = vm.updatedAt.getTime() > sampledAt.get(vm.hostId)!;
    const isBusy = busy.has(vm.id);
    if (r) {
      // A guest that just printed its ready line is news even while a task works on its running
      // VM (the agent pushes that heartbeat at once): a provision's own poll would show it up to
      // half a second later.
      const figures = { cpuPct: r.cpuPct, rssBytes: Math.round(r.rssBytes) };
      const nowReady =
        isBusy && !stale && vm.state === VM_STATE.running && r.state === 'running' && r.guestReady && !vm.guestReady;
      const stateChanged =
        !isBusy && !stale && (VM_STATE_FROM_RUNTIME[r.state] !== vm.state || r.guestReady !== vm.guestReady);
      if (!nowReady && !stateChanged) {
        live.push({ id: vm.id, hostId: vm.hostId, ...figures });
        continue;
      }
      const data = {
        cpuPct: figures.cpuPct,
        rssBytes: BigInt(figures.rssBytes),
        ...(nowReady
          ? { guestReady: true, guestWarning: null }
          : { state: VM_STATE_FROM_RUNTIME[r.state], guestReady: r.guestReady }),
      };
      // hostId in the filter: a VM a migration just moved away is not this host's to update.
      await tx.vm.updateMany({ where: { id: vm.id, hostId: vm.hostId }, data });
      changed.get(vm.hostId)!.push(vm.id);
    } else if (!isBusy && !stale && vm.state !== VM_STATE.error) {
      // Not for a row changed in the last seconds: this heartbeat may predate it (a VM a migration
      // just brought here is missing from a sample taken before the switch-over).
      await tx.vm.updateMany({
        where: {
          id: vm.id,
          hostId: vm.hostId,
          state: vm.state,
          updatedAt: { lt: new Date(Date.now() - UNKNOWN_GRACE_MS) },
        },
        data: { state: VM_STATE.error, lastError: 'The host agent does not know this VM (its files are missing)' },
      });
    }
  }
  return { known: new Set(rows.map((v) => `${v.hostId}/${v.id}`)), changed, live };
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
