// What the ordinary VM features make of the DR roles (pure: migration, the balancer, evacuation,
// HA, snapshots and backups ask it). A replica's disk is the chain of replica points (only the
// replication writes it; it starts only by failover); a dr-test copy stands on a replica point of
// its DR host's local pool. Neither may move off that host.

type RoleVm = { name: string; role: string };

export function notMovableReason(vm: RoleVm): string | null {
  if (vm.role === 'replica') return `VM ${vm.name} is a replica: it stays on its DR host (it moves only by failover)`;
  if (vm.role === 'dr-test')
    return `VM ${vm.name} is a DR test copy: it stands on a replica point of its DR host and cannot move`;
  return null;
}

// Snapshots and backups of a replica would capture (or change) the replication's own layers.
export function noPointsReason(vm: RoleVm, what: 'snapshots' | 'backups'): string | null {
  return vm.role === 'replica'
    ? `VM ${vm.name} is a replica: its disk is the replication's points (Disaster recovery page); ${what} are refused`
    : null;
}
