import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import type { HostMaintenanceInput } from '@/lib/domain/migrations/schemas';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor, enqueueTask } from '@/lib/domain/tasks/service';
import { conflict, noSuchObject } from '@/lib/errors';

// Maintenance is its own column (heartbeats only touch status), so a host stays in maintenance
// through agent restarts. Entering sets it at once (placement skips the host from then on) and
// queues host.evacuate; leaving clears it at once and queues host.bring-back, which moves the
// evacuated VMs back only when asked to.
export async function setHostMaintenance(user: SessionUser, hostId: string, input: HostMaintenanceInput): Promise<{ taskId: string }> {
  const host = await db().host.findUnique({ where: { id: hostId } });
  const operation = input.enabled ? 'host.maintenance.enter' : 'host.maintenance.exit';
  await authorize(user, 'host.manage', { type: 'host', id: hostId, name: host?.name }, operation);
  if (!host) throw noSuchObject('host', hostId);
  if (host.maintenance === input.enabled) throw conflict(`Host ${host.name} is ${host.maintenance ? 'already' : 'not'} in maintenance`, { maintenance: host.maintenance });
  const busy = await activeTaskFor(hostId);
  if (busy) throw conflict(`Host ${host.name} is busy with another maintenance task`, { taskId: busy });
  const actor = actorOf(user);
  const evacuated = JSON.parse(host.evacuatedVmIds) as string[];
  const bringBack = input.enabled ? false : (input.bringBack ?? false);
  const taskId = await db().$transaction(async (tx) => {
    await tx.host.update({
      where: { id: hostId },
      data: input.enabled
        ? { maintenance: true, maintenanceSince: new Date(), evacuatedVmIds: '[]' }
        : { maintenance: false, maintenanceSince: null, ...(bringBack ? {} : { evacuatedVmIds: '[]' }) },
    });
    return input.enabled
      ? enqueueTask({ kind: 'host.evacuate', title: `Evacuate host ${host.name} for maintenance`, target: { type: 'host', id: hostId }, payload: { hostId }, actor }, tx)
      : enqueueTask({ kind: 'host.bring-back', title: bringBack ? `Bring VMs back to ${host.name}` : `Leave maintenance on ${host.name}`, target: { type: 'host', id: hostId }, payload: { hostId, vmIds: bringBack ? evacuated : [] }, actor }, tx);
  });
  await recordAudit({ actor, action: operation, target: { type: 'host', id: hostId, name: host.name }, result: 'accepted', detail: { taskId, ...(input.enabled ? {} : { bringBack, vmIds: bringBack ? evacuated : [] }) } });
  return { taskId };
}
