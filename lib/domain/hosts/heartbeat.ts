import 'server-only';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { AgentInfo, heartbeatSchema } from '@/lib/agent-protocol/core';
import { VM_STATE, VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { invalidInput } from '@/lib/errors';

type Tx = Prisma.TransactionClient;

// Host facts the agent reports (at enrollment and in every heartbeat), plus any live fields the
// caller adds, in one write; then the storage pools. `tx`: the caller's transaction, if any.
export async function applyAgentInfo(
  hostId: string,
  info: AgentInfo,
  live: Prisma.HostUpdateInput = {},
  tx: Tx = db(),
): Promise<void> {
  await tx.host.update({
    where: { id: hostId },
    data: {
      ...live,
      driver: info.driver,
      site: info.site,
      agentVersion: info.agentVersion,
      qemuVersion: info.qemuVersion,
      accelerator: info.accelerator,
      acceleratorReason: info.acceleratorReason,
      cpuCount: info.cpuCount,
      cpuModel: info.cpuModel,
      memoryTotalBytes: BigInt(Math.round(info.memoryTotalBytes)),
    },
  });
  for (const p of info.pools) {
    const data = {
      kind: p.kind,
      path: p.path,
      totalBytes: BigInt(Math.round(p.totalBytes)),
      freeBytes: BigInt(Math.round(p.freeBytes)),
    };
    await tx.storagePool.upsert({
      where: { hostId_name: { hostId, name: p.name } },
      create: { hostId, name: p.name, ...data },
      update: data,
    });
  }
}

const UNKNOWN_GRACE_MS = 15_000;
// A sample time this far off the dashboard's clock is a broken host clock (or a forged body):
// refused, rather than charted days away from its neighbours. Raw samples are kept a day.
export const HEARTBEAT_MAX_AHEAD_MS = 10 * 60_000;
export const HEARTBEAT_MAX_AGE_MS = 24 * 3600_000;

// One heartbeat: host facts, a host sample, and per-VM samples, all or nothing (one transaction:
// a failure half-way leaves no host marked online without its samples). VM states follow what QEMU
// reports, except while a task is working on the VM (the task owns the state then; the live
// figures still update so the VM page never shows a running VM using nothing).
// Returns the ids of the VMs whose state or readiness changed (pushed to open pages at once).
export async function ingestHeartbeat(hostId: string, hb: z.output<typeof heartbeatSchema>): Promise<string[]> {
  const at = new Date(hb.at);
  const skewMs = at.getTime() - Date.now();
  if (skewMs > HEARTBEAT_MAX_AHEAD_MS || -skewMs > HEARTBEAT_MAX_AGE_MS)
    throw invalidInput({ at: [`is ${Math.round(skewMs / 1000)} s off the dashboard's clock; check the host's clock`] });
  return db().$transaction(async (tx) => {
    await applyAgentInfo(
      hostId,
      hb.info,
      {
        lastHeartbeat: new Date(),
        status: 'online',
        cpuPct: hb.host.cpuPct,
        memoryUsedBytes: BigInt(Math.round(hb.host.memUsedBytes)),
      },
      tx,
    );
    const { knownIds, changed } = await updateVms(tx, hostId, hb);
    await tx.metricSample.createMany({
      data: [
        {
          at,
          hostId,
          vmId: null,
          cpuPct: hb.host.cpuPct,
          memUsedBytes: BigInt(Math.round(hb.host.memUsedBytes)),
          memTotalBytes: BigInt(Math.round(hb.host.memTotalBytes)),
          load1: hb.host.load1,
        },
        ...hb.vms
          .filter((v) => knownIds.has(v.id))
          .map((v) => ({
            at,
            hostId,
            vmId: v.id,
            cpuPct: v.cpuPct,
            memUsedBytes: BigInt(Math.round(v.rssBytes)),
            diskRdBytes: BigInt(Math.round(v.diskRdBytes)),
            diskWrBytes: BigInt(Math.round(v.diskWrBytes)),
            diskRdOps: BigInt(Math.round(v.diskRdOps)),
            diskWrOps: BigInt(Math.round(v.diskWrOps)),
          })),
      ],
    });
    return changed;
  });
}

// Applies the reported VM states and live figures; returns the ids of this host's VMs and of
// those whose state or readiness changed.
async function updateVms(
  tx: Tx,
  hostId: string,
  hb: z.output<typeof heartbeatSchema>,
): Promise<{ knownIds: Set<string>; changed: string[] }> {
  const known = await tx.vm.findMany({ where: { hostId }, select: { id: true, state: true, guestReady: true } });
  const changed: string[] = [];
  const busy = new Set(
    (
      await tx.task.findMany({
        where: {
          targetType: 'vm',
          targetId: { in: known.map((v) => v.id) },
          state: { in: [TASK_STATE.queued, TASK_STATE.running] },
        },
        select: { targetId: true },
      })
    ).map((t) => t.targetId),
  );
  const reported = new Map(hb.vms.map((v) => [v.id, v]));
  for (const vm of known) {
    const r = reported.get(vm.id);
    const isBusy = busy.has(vm.id);
    if (r) {
      // Live figures always; the state only when no task owns it. A guest that just printed its
      // ready line is news even while a task works on its running VM (the agent pushes that
      // heartbeat at once): a provision's own poll would show it up to half a second later.
      const live = { cpuPct: r.cpuPct, rssBytes: BigInt(Math.round(r.rssBytes)) };
      const nowReady =
        isBusy && vm.state === VM_STATE.running && r.state === 'running' && r.guestReady && !vm.guestReady;
      const data = !isBusy
        ? { ...live, state: VM_STATE_FROM_RUNTIME[r.state], guestReady: r.guestReady }
        : nowReady
          ? { ...live, guestReady: true, guestWarning: null }
          : live;
      // hostId in the filter: a VM a migration just moved away is not this host's to update.
      await tx.vm.updateMany({ where: { id: vm.id, hostId }, data });
      if (nowReady || (!isBusy && (VM_STATE_FROM_RUNTIME[r.state] !== vm.state || r.guestReady !== vm.guestReady)))
        changed.push(vm.id);
    } else if (!isBusy && vm.state !== VM_STATE.error) {
      // Not for a row changed in the last seconds: this heartbeat may predate it (a VM a migration
      // just brought here is missing from a sample taken before the switch-over).
      await tx.vm.updateMany({
        where: { id: vm.id, hostId, state: vm.state, updatedAt: { lt: new Date(Date.now() - UNKNOWN_GRACE_MS) } },
        data: { state: VM_STATE.error, lastError: 'The host agent does not know this VM (its files are missing)' },
      });
    }
  }
  return { knownIds: new Set(known.map((v) => v.id)), changed };
}
