// Who may do what. Pure and framework-free: imported by the UI (to disable controls) and by the
// services (to answer 403). Roles are ordered admin > operator > viewer.
import type { Role } from '@/lib/domain/auth/dto';

export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

// Each mutating action and the least role allowed to do it. Reads are open to every signed-in role.
export const ACTION_MIN_ROLE = {
  'vm.create': 'operator',
  'vm.operate': 'operator', // start, stop, force-stop, restart
  'vm.delete': 'operator',
  'image.import': 'operator',
  'image.delete': 'admin',
  'host.manage': 'admin', // enroll, maintenance, remove
  'vm.migrate': 'operator', // live migration, applying balancer recommendations
  'backup.manage': 'operator', // backup jobs: create, edit, run now, verify
  'backup.restore': 'operator', // restore as new VM, replace a VM's disk, instant recovery
  'repository.manage': 'admin', // backup repositories
  'cluster.manage': 'admin', // balancer policy and rules
  'user.manage': 'admin', // users: create, role, disable, delete, reset password
  'restore-point.delete': 'admin', // one restore point (its dependants merged or named)
  'ha.manage': 'admin', // HA policy: admission control, failover hosts, EDAC threshold
  'vm.ha': 'operator', // a VM's HA settings, manual failover, cancelling a pending restart
  'vm.console': 'operator', // typing into a VM's serial console (every role may watch it)
  'snapshot.manage': 'operator', // snapshots, checkpoints, linked clones, group checkpoints
  'snapshot.schedule': 'operator', // scheduled snapshots (cron, keep N)
  'dr.manage': 'operator', // replication jobs: create, edit, run now, remove; test failovers
  'dr.failover': 'admin', // planned and unplanned failover, failback
} as const satisfies Record<string, Role>;

export type Action = keyof typeof ACTION_MIN_ROLE;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(ROLE_RANK, value);
}

export function hasRoleAtLeast(role: Role | null | undefined, min: Role): boolean {
  return isRole(role) && ROLE_RANK[role] >= ROLE_RANK[min];
}

export function can(role: Role | null | undefined, action: Action): boolean {
  const min: Role | undefined = ACTION_MIN_ROLE[action];
  return min !== undefined && hasRoleAtLeast(role, min);
}

/** Why `role` may not do `action`, in words for a tooltip; null when allowed. */
export function denialReason(role: Role | null | undefined, action: Action): string | null {
  if (can(role, action)) return null;
  if (!isRole(role)) return 'Sign in to change anything';
  if (role === 'viewer') return 'Viewers cannot change anything';
  return `Only ${ACTION_MIN_ROLE[action]}s can do this`;
}
