// Which migration controls and targets make sense, and how far a move has got. Pure, so it is
// unit-tested and the dialog, tables and balancer rows agree. The server still has the last word.
import type { HostDto } from '@/lib/domain/hosts/dto';
import type { MigrationDto } from '@/lib/domain/migrations/dto';
import type { TaskDto } from '@/lib/domain/tasks/dto';
import type { VmDto } from '@/lib/domain/vms/dto';

/** Why the Migrate button is off (tooltip), or null. */
export function migrateDisabledReason(
  vm: Pick<VmDto, 'state' | 'activeTaskId'>,
  permissionReason: string | null,
): string | null {
  if (permissionReason) return permissionReason;
  if (vm.state === 'migrating') return 'A migration of this VM is under way';
  if (vm.state !== 'running') return 'Only a running VM can be live-migrated';
  if (vm.activeTaskId) return 'Wait for the current task to finish';
  return null;
}

/** Why a host cannot take this VM (shown in the target list), or null. `site`: the VM's host's (moves stay in it). */
export function targetUnfitReason(
  h: Pick<HostDto, 'id' | 'status' | 'maintenance' | 'site'>,
  vm: Pick<VmDto, 'hostId'>,
  site?: string,
): string | null {
  if (h.id === vm.hostId) return 'current host';
  if (site !== undefined && h.site !== site) return `site ${h.site}`;
  if (h.status !== 'online') return h.status;
  if (h.maintenance) return 'in maintenance';
  return null;
}

/** Share of the current phase done: what moved over what moved plus what is left. */
export function migrationRatio(m: Pick<MigrationDto, 'state' | 'progress'>): number {
  if (m.state === 'succeeded') return 1;
  const p = m.progress;
  if (!p) return 0;
  const seen = p.transferredBytes + p.remainingBytes;
  return seen > 0 ? p.transferredBytes / seen : 0;
}

const MAINTENANCE_KINDS = new Set(['host.evacuate', 'host.bring-back']);
const RECENT_MS = 2 * 60_000;

/** A host's newest maintenance task while it runs or for two minutes after it ended. */
export function currentMaintenanceTask(tasks: readonly TaskDto[] | undefined, now: number): TaskDto | null {
  const latest = tasks
    ?.filter((t) => MAINTENANCE_KINDS.has(t.kind))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  if (!latest) return null;
  const active = latest.state === 'queued' || latest.state === 'running';
  return active || now - Date.parse(latest.finishedAt ?? latest.createdAt) < RECENT_MS ? latest : null;
}

/** Maintenance moves off or back onto `hostId` since `sinceMs` (a little slack for clock skew). */
export function maintenanceMoves(migrations: readonly MigrationDto[], hostId: string, sinceMs: number): MigrationDto[] {
  return migrations.filter(
    (m) =>
      m.reason === 'maintenance' &&
      (m.sourceHostId === hostId || m.targetHostId === hostId) &&
      Date.parse(m.startedAt) >= sinceMs - 5_000,
  );
}
