import 'server-only';
import { db } from '@/lib/db/client';
import type { Host } from '@/lib/generated/prisma/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import type { HostMaintenanceInput } from '@/lib/domain/migrations/schemas';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { activeTaskFor, enqueueTask } from '@/lib/domain/tasks/service';
import { conflict, noSuchObject } from '@/lib/errors';

const operationOf = (input: HostMaintenanceInput) =>
  input.enabled ? 'host.maintenance.enter' : 'host.maintenance.exit';

// Maintenance is its own column (heartbeats only touch status), so a host stays in maintenance
// through agent restarts. Entering sets it at once (placement skips the host from then on) and
// queues host.evacuate; leaving clears it at once and queues host.bring-back, which moves the
// evacuated VMs back only when asked to.
export async function setHostMaintenance(
  user: SessionUser,
  hostId: string,
  input: HostMaintenanceInput,
): Promise<{ taskId: string }> {
  const host = await db().host.findUnique({ where: { id: hostId } });
  await authorize(user, 'host.manage', { type: 'host', id: hostId, name: host?.name }, operationOf(input));
  if (!host) throw noSuchObject('host', hostId);
  return changeMaintenance(actorOf(user), host, input);
}

// Every check but the permission: for a user (above) and for the system (HA evacuates a host
// whose corrected memory errors crossed the threshold; `detail` says why, in the audit).
export async function changeMaintenance(
  actor: Actor,
  host: Host,
  input: HostMaintenanceInput,
  detail: Record<string, unknown> = {},
): Promise<{ taskId: string }> {
  const hostId = host.id;
  const operation = operationOf(input);
  if (host.maintenance === input.enabled)
    throw conflict(`Host ${host.name} is ${host.maintenance ? 'already' : 'not'} in maintenance`, {
      maintenance: host.maintenance,
    });
  const busy = await activeTaskFor(hostId);
  if (busy) throw conflict(`Host ${host.name} is busy with another maintenance task`, { taskId: busy });
  const evacuated = JSON.parse(host.evacuatedVmIds) as string[];
  const bringBack = input.enabled ? false : (input.bringBack ?? false);
  const taskId = await db().$transaction(async (tx) => {
    await tx.host.update({
      where: { id: hostId },
      data: input.enabled
        ? { maintenance: true, maintenanceSince: new Date(), evacuatedVmIds: '[]' }
        : { maintenance: false, maintenanceSince: null, ...(bringBack ? {} : { evacuatedVmIds: '[]' }) },
    });
    // Hardware errors counted so far are forgiven once maintenance is over (HA's EDAC baseline).
    if (!input.enabled) await tx.haHostState.updateMany({ where: { hostId }, data: { edacBaseline: null } });
    return input.enabled
      ? enqueueTask(
          {
            kind: 'host.evacuate',
            title: `Evacuate host ${host.name} for maintenance`,
            target: { type: 'host', id: hostId },
            payload: { hostId },
            actor,
          },
          tx,
        )
      : enqueueTask(
          {
            kind: 'host.bring-back',
            title: bringBack ? `Bring VMs back to ${host.name}` : `Leave maintenance on ${host.name}`,
            target: { type: 'host', id: hostId },
            payload: { hostId, vmIds: bringBack ? evacuated : [] },
            actor,
          },
          tx,
        );
  });
  await recordAudit({
    actor,
    action: operation,
    target: { type: 'host', id: hostId, name: host.name },
    result: 'accepted',
    detail: { taskId, ...detail, ...(input.enabled ? {} : { bringBack, vmIds: bringBack ? evacuated : [] }) },
  });
  return { taskId };
}
