// Pure evacuation planner: where each VM leaving a host goes. Greedy, biggest VM first; each VM
// goes to a host that has not received one yet in this plan if any can take it (so the VMs are
// never all piled onto one host while another has room), then to the host with the most free
// memory left after the placements so far. The placement rules (must affinity, anti-affinity)
// veto hosts, counting the VMs this plan has already placed. Targets are hosts of the source
// host's site only (two sites share no storage).
import type { PlacementRules } from '@/lib/domain/balancer/placement-rules';
import { freeMemoryMiB, siteOf, type PlacementHost } from '@/lib/domain/vms/placement';

export type EvacuatingVm = { id: string; name: string; memoryMiB: number };
export type EvacuationPlan = {
  assignments: { vmId: string; hostId: string; hostName: string }[];
  unplaced: { vmId: string; reason: string }[];
};

export function planEvacuation(
  sourceHostId: string,
  hosts: PlacementHost[],
  vms: EvacuatingVm[],
  rules: PlacementRules | null = null,
): EvacuationPlan {
  const site = siteOf(hosts, sourceHostId);
  const targets = hosts
    .filter((h) => h.id !== sourceHostId && h.site === site && h.online && !h.maintenance)
    .map((h) => ({ host: h, free: freeMemoryMiB(h), received: 0 }));
  const plan: EvacuationPlan = { assignments: [], unplaced: [] };
  const ordered = [...vms].sort((a, b) => b.memoryMiB - a.memoryMiB || a.name.localeCompare(b.name));
  for (const vm of ordered) {
    const roomy = targets.filter((t) => t.free >= vm.memoryMiB);
    const fits = roomy.filter((t) => !rules?.breaks(vm.id, t.host.id));
    if (!fits.length) {
      const broken = roomy.length ? rules!.breaks(vm.id, roomy[0].host.id)! : null;
      const reason = broken
        ? `placement rule "${broken.rule.name}" allows none of the hosts with room (on ${roomy[0].host.name}: ${broken.why})`
        : targets.length
          ? `no other host has ${vm.memoryMiB} MiB free`
          : `no other host of site ${site} is online and out of maintenance`;
      plan.unplaced.push({ vmId: vm.id, reason });
      continue;
    }
    fits.sort(
      (a, b) =>
        Number(a.received > 0) - Number(b.received > 0) || b.free - a.free || a.host.name.localeCompare(b.host.name),
    );
    const pick = fits[0];
    pick.free -= vm.memoryMiB;
    pick.received++;
    rules?.place(vm.id, pick.host.id);
    plan.assignments.push({ vmId: vm.id, hostId: pick.host.id, hostName: pick.host.name });
  }
  return plan;
}
