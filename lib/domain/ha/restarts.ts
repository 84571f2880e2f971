import 'server-only';
import { db } from '@/lib/db/client';
import type { HaRestart } from '@/lib/generated/prisma/client';
import type { Actor } from '@/lib/domain/audit/service';
import { placementHosts } from '@/lib/domain/migrations/target';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { VM_STATE } from '@/lib/domain/vms/dto';
import type { HaHostState, HaPriority } from './dto';
import { recordHaEvent } from './events';
import { haHostStates } from './queries';
import type { PlanHost, PlanRestart } from './restart-plan';

// After this many failed attempts a restart gives up (failed, shown with the last reason).
export const MAX_RESTART_ATTEMPTS = 5;

// Hosts as a restart target sees them: failover hosts included (they exist for this), with the
// memory of restarts already on their way to a host counted as claimed there.
export async function restartTargets(): Promise<PlanHost[]> {
  const [hosts, states, inFlight] = await Promise.all([
    placementHosts(false),
    haHostStates(),
    db().haRestart.findMany({ where: { state: 'restarting' }, select: { targetHostId: true, vmId: true } }),
  ]);
  const mem = new Map(
    (
      await db().vm.findMany({
        where: { id: { in: inFlight.map((r) => r.vmId) } },
        select: { id: true, memoryMiB: true },
      })
    ).map((v) => [v.id, v.memoryMiB]),
  );
  return hosts.map((h) => {
    const claims = inFlight
      .filter((r) => r.targetHostId === h.id)
      .map((r) => ({ memoryMiB: mem.get(r.vmId) ?? 0, rssBytes: 0, state: 'provisioning' }));
    return { ...h, vms: [...h.vms, ...claims], haState: (states.get(h.id)?.state ?? 'online') as HaHostState };
  });
}

// The old host's last renewal as its peers saw it: where a restart's timeline starts.
// (leaseAgeMs is how long the counter had not moved when the row was written.)
export const failedAtOf = (s: { updatedAt: Date; leaseAgeMs: number | null }) =>
  s.leaseAgeMs === null ? null : new Date(s.updatedAt.getTime() - s.leaseAgeMs);

export function toPlanRestart(
  r: Pick<HaRestart, 'id' | 'vmId' | 'fromHostId' | 'pinnedHostId'>,
  vm: { name: string; memoryMiB: number; haPriority: string; haOrder: number },
): PlanRestart {
  return {
    id: r.id,
    vmId: r.vmId,
    vmName: vm.name,
    memoryMiB: vm.memoryMiB,
    priority: vm.haPriority as HaPriority,
    order: vm.haOrder,
    fromHostId: r.fromHostId,
    inPlace: r.pinnedHostId === r.fromHostId,
    targetHostId: r.pinnedHostId,
  };
}

// The decision: pending -> restarting on `targetHostId` and a vm.ha-restart task, in one
// transaction; the compare-and-set on the state means a restart is started once. Returns the task.
export async function startRestart(
  restart: Pick<HaRestart, 'id' | 'vmId' | 'vmName'>,
  target: { id: string; name: string },
  actor: Actor,
): Promise<string | null> {
  const now = new Date();
  return db().$transaction(async (tx) => {
    const claimed = await tx.haRestart.updateMany({
      where: { id: restart.id, state: 'pending' },
      data: { state: 'restarting', targetHostId: target.id, decidedAt: now, reason: '' },
    });
    if (!claimed.count) return null;
    const taskId = await enqueueTask(
      {
        kind: 'vm.ha-restart',
        title: `HA restart of VM ${restart.vmName} on ${target.name}`,
        target: { type: 'vm', id: restart.vmId },
        payload: { restartId: restart.id },
        actor,
      },
      tx,
    );
    await tx.haRestart.update({ where: { id: restart.id }, data: { taskId } });
    // The task owns the VM's state now (heartbeats leave it alone) until it is up or not.
    await tx.vm.update({ where: { id: restart.vmId }, data: { state: VM_STATE.starting } });
    await recordHaEvent(
      {
        kind: 'restart-started',
        hostId: target.id,
        vmId: restart.vmId,
        message: `Restarting ${restart.vmName} on ${target.name}`,
        data: { restartId: restart.id, taskId },
      },
      tx,
    );
    return taskId;
  });
}
