// Pure evacuation planner: where each VM leaving a host goes. Greedy, biggest VM first; each VM
// goes to a host that has not received one yet in this plan if any can take it (so the VMs are
// never all piled onto one host while another has room), then to the host with the most free
// memory left after the placements so far. An optional rule check (affinity) can veto a host.
import { freeMemoryMiB, type PlacementHost } from '@/lib/domain/vms/placement';

export type EvacuatingVm = { id: string; name: string; memoryMiB: number };
export type EvacuationPlan = {
  assignments: { vmId: string; hostId: string; hostName: string }[];
  unplaced: { vmId: string; reason: string }[];
};

export function planEvacuation(
  sourceHostId: string,
  hosts: PlacementHost[],
  vms: EvacuatingVm[],
  allowed: (vmId: string, hostId: string) => boolean = () => true,
): EvacuationPlan {
  const targets = hosts
    .filter((h) => h.id !== sourceHostId && h.online && !h.maintenance)
    .map((h) => ({ host: h, free: freeMemoryMiB(h), received: 0 }));
  const plan: EvacuationPlan = { assignments: [], unplaced: [] };
  const ordered = [...vms].sort((a, b) => b.memoryMiB - a.memoryMiB || a.name.localeCompare(b.name));
  for (const vm of ordered) {
    const fits = targets.filter((t) => t.free >= vm.memoryMiB && allowed(vm.id, t.host.id));
    if (!fits.length) {
      plan.unplaced.push({
        vmId: vm.id,
        reason: targets.length ? `no other host has ${vm.memoryMiB} MiB free (or the rules allow none)` : 'no other host is online and out of maintenance',
      });
      continue;
    }
    fits.sort((a, b) => Number(a.received > 0) - Number(b.received > 0) || b.free - a.free || a.host.name.localeCompare(b.host.name));
    const pick = fits[0];
    pick.free -= vm.memoryMiB;
    pick.received++;
    plan.assignments.push({ vmId: vm.id, hostId: pick.host.id, hostName: pick.host.name });
  }
  return plan;
}
