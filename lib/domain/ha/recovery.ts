import 'server-only';
import { db } from '@/lib/db/client';
import type { HaHostState as HaHostStateRow, Host } from '@/lib/generated/prisma/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { currentPlacementRules } from '@/lib/domain/migrations/target';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { VM_STATE } from '@/lib/domain/vms/dto';
import type { HaPolicyDto } from './dto';
import { recordHaEvent } from './events';
import { ACTIVE_RESTART_STATES } from './queries';
import { planRestarts } from './restart-plan';
import { failedAtOf, restartTargets, startRestart, toPlanRestart } from './restarts';

// The VMs a failed host took down: those meant to run there (a stopped one stays stopped).
const DOWN_WITH_HOST = [VM_STATE.running, VM_STATE.paused, VM_STATE.starting, VM_STATE.crashed];
// A VM that crashed on a healthy host is restarted in place, but not if a restart brought it up
// within this long (a guest that crashes at once would otherwise be restarted every tick).
const IN_PLACE_COOLDOWN_MS = 60_000;

// Failed hosts: each HA VM gets one pending restart per failure (a cancelled or given-up one is
// not recreated while the host stays failed); the others are told where to act.
export async function restartFailedHosts(
  hosts: Host[],
  states: Map<string, HaHostStateRow>,
  policy: HaPolicyDto,
): Promise<void> {
  for (const h of hosts) {
    const s = states.get(h.id);
    if (s?.state !== 'failed') continue;
    const vms = await db().vm.findMany({
      // DR replicas and test copies never restart elsewhere; a failed-over VM's replica is the VM.
      where: { hostId: h.id, state: { in: DOWN_WITH_HOST }, role: 'vm', drState: null },
      orderBy: { name: 'asc' },
    });
    if (!vms.length) continue;
    const seen = new Set(
      (
        await db().haRestart.findMany({
          where: {
            vmId: { in: vms.map((v) => v.id) },
            OR: [{ state: { in: ACTIVE_RESTART_STATES } }, { fromHostId: h.id, detectedAt: { gte: s.since } }],
          },
          select: { vmId: true },
        })
      ).map((r) => r.vmId),
    );
    for (const vm of vms) {
      if (seen.has(vm.id)) continue;
      if (!vm.haEnabled || !policy.enabled) {
        const hint = `Host ${h.name} failed (its lease expired); ${policy.enabled ? 'HA is off for this VM' : 'HA is disabled'}: restart it on another host from the HA page`;
        if (vm.lastError !== hint) await db().vm.update({ where: { id: vm.id }, data: { lastError: hint } });
        continue;
      }
      const r = await db().haRestart.create({
        data: {
          vmId: vm.id,
          vmName: vm.name,
          fromHostId: h.id,
          priority: vm.haPriority,
          failedAt: failedAtOf(s),
          detectedAt: s.since,
          reason: 'Waiting for a target host',
        },
      });
      // Down for sure: its host fenced before the peers could declare the lease expired.
      await db().vm.update({
        where: { id: vm.id },
        data: { state: VM_STATE.crashed, lastError: `Host ${h.name} failed (its lease expired); HA restart pending` },
      });
      await recordHaEvent({
        kind: 'restart-pending',
        hostId: h.id,
        vmId: vm.id,
        message: `${vm.name} is down with ${h.name}: restart pending`,
        data: { restartId: r.id },
      });
    }
  }
}

// An HA VM reported crashed on a healthy host (e.g. fenced, then its lease came back): restart there.
export async function restartCrashedInPlace(
  hosts: Host[],
  states: Map<string, HaHostStateRow>,
  now: Date,
): Promise<void> {
  const healthy = hosts.filter((h) => states.get(h.id)?.state === 'online' && !h.maintenance).map((h) => h.id);
  const crashed = await db().vm.findMany({
    where: { haEnabled: true, state: VM_STATE.crashed, hostId: { in: healthy }, role: 'vm', drState: null },
  });
  for (const vm of crashed) {
    const recent = await db().haRestart.count({
      where: {
        vmId: vm.id,
        OR: [
          { state: { in: ACTIVE_RESTART_STATES } },
          { qemuUpAt: { gte: new Date(now.getTime() - IN_PLACE_COOLDOWN_MS) } },
        ],
      },
    });
    const busy = await db().task.count({
      where: { targetId: vm.id, state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
    });
    if (recent || busy) continue;
    const r = await db().haRestart.create({
      data: {
        vmId: vm.id,
        vmName: vm.name,
        fromHostId: vm.hostId,
        pinnedHostId: vm.hostId,
        priority: vm.haPriority,
        failedAt: vm.updatedAt,
        detectedAt: now,
      },
    });
    await recordHaEvent({
      kind: 'restart-pending',
      hostId: vm.hostId,
      vmId: vm.id,
      message: `${vm.name} crashed on a healthy host: restart in place pending`,
      data: { restartId: r.id },
    });
  }
}

// Places the pending restarts (restart-plan.ts) and starts those that got a host; the others keep
// the reason, retried next tick. A restart whose VM went away, moved, or whose host came back
// (not failed any more: its own agent has it) is cancelled.
export async function decidePendingRestarts(
  states: Map<string, HaHostStateRow>,
  policy: HaPolicyDto,
  log: (msg: string) => void,
): Promise<void> {
  const pending = await db().haRestart.findMany({ where: { state: 'pending' }, orderBy: { detectedAt: 'asc' } });
  if (!pending.length) return;
  const vms = new Map(
    (await db().vm.findMany({ where: { id: { in: pending.map((r) => r.vmId) } } })).map((v) => [v.id, v]),
  );
  const busy = new Set(
    (
      await db().task.findMany({
        where: { targetId: { in: pending.map((r) => r.vmId) }, state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
        select: { targetId: true },
      })
    ).map((t) => t.targetId),
  );
  const ready = [];
  for (const r of pending) {
    const vm = vms.get(r.vmId);
    const inPlace = r.pinnedHostId === r.fromHostId;
    const gone = !vm ? 'the VM was deleted' : vm.hostId !== r.fromHostId ? 'the VM is on another host now' : null;
    const back =
      !inPlace && states.get(r.fromHostId)?.state !== 'failed'
        ? `its host is ${states.get(r.fromHostId)?.state ?? 'gone'} again`
        : null;
    if (gone || back) {
      await db().haRestart.updateMany({
        where: { id: r.id, state: 'pending' },
        data: { state: 'cancelled', reason: `Not needed: ${gone ?? back}` },
      });
      continue;
    }
    if (busy.has(r.vmId)) await setReason(r.id, r.reason, 'Waiting for another task on this VM to end');
    else ready.push({ r, vm: vm! });
  }
  if (!ready.length) return;
  const [hosts, rules] = await Promise.all([restartTargets(), currentPlacementRules()]);
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  const failover = policy.admission === 'failover-hosts' ? policy.failoverHostIds : [];
  const decisions = planRestarts(
    ready.map(({ r, vm }) => toPlanRestart(r, vm)),
    hosts,
    rules,
    failover,
  );
  for (const d of decisions) {
    const { r } = ready.find((x) => x.r.id === d.restartId)!;
    if (d.targetHostId === null) {
      await setReason(r.id, r.reason, d.reason);
      continue;
    }
    const taskId = await startRestart(r, { id: d.targetHostId, name: names.get(d.targetHostId)! }, SYSTEM_ACTOR);
    if (taskId) log(`HA: restarting ${r.vmName} on ${names.get(d.targetHostId)} (task ${taskId})`);
  }
}

async function setReason(id: string, current: string, reason: string): Promise<void> {
  if (current !== reason) await db().haRestart.updateMany({ where: { id, state: 'pending' }, data: { reason } });
}
