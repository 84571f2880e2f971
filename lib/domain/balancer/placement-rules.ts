// The hard placement rules for moving single VMs (a named target, "best host", an evacuation):
// VM-host "must" affinity and VM-VM anti-affinity. "should" rules only say where the balancer
// moves VMs toward; they never forbid a host.
import type { RuleDto } from './dto';

// hostIds: where the VM occupies room now: its host, and a migration's target while one runs
// (it may stay or arrive, so it counts on both).
export type RuleVm = { id: string; name: string; tags: readonly string[]; hostIds: readonly string[] };
export type RuleBreak = { rule: RuleDto; why: string };
export type PlacementRules = {
  breaks(vmId: string, hostId: string): RuleBreak | null;
  // Records a planned move (an evacuation plans several before any has run).
  place(vmId: string, hostId: string): void;
};

export function placementRules(
  rules: readonly RuleDto[],
  vms: readonly RuleVm[],
  hostName: (id: string) => string = (id) => id,
): PlacementRules {
  const byId = new Map(vms.map((v) => [v.id, { ...v, hostIds: [...v.hostIds] }]));
  // Per anti-affinity tag: host -> the VMs carrying it there.
  const antiTags = new Set(rules.filter((r) => r.kind === 'vm-vm-anti-affinity').map((r) => r.tag));
  const groups = new Map<string, Map<string, Set<string>>>([...antiTags].map((t) => [t, new Map()]));
  const index = (vmId: string, sign: 1 | -1) => {
    const v = byId.get(vmId)!;
    for (const t of v.tags) {
      const hosts = groups.get(t);
      if (!hosts) continue;
      for (const h of v.hostIds) {
        const set = hosts.get(h) ?? hosts.set(h, new Set()).get(h)!;
        if (sign > 0) set.add(vmId);
        else set.delete(vmId);
      }
    }
  };
  for (const id of byId.keys()) index(id, 1);

  return {
    breaks(vmId, hostId) {
      const vm = byId.get(vmId);
      if (!vm) return null;
      for (const rule of rules) {
        if (!vm.tags.includes(rule.tag)) continue;
        if (rule.kind === 'vm-host-affinity' && rule.strength === 'must' && !rule.hostIds.includes(hostId)) {
          return { rule, why: `VMs tagged "${rule.tag}" must run on ${rule.hostIds.map(hostName).join(' or ')}` };
        }
        if (rule.kind === 'vm-vm-anti-affinity') {
          const other = [...(groups.get(rule.tag)!.get(hostId) ?? [])].find((id) => id !== vmId);
          if (other)
            return { rule, why: `VM ${byId.get(other)!.name}, also tagged "${rule.tag}", is on ${hostName(hostId)}` };
        }
      }
      return null;
    },
    place(vmId, hostId) {
      if (!byId.has(vmId)) return;
      index(vmId, -1);
      byId.get(vmId)!.hostIds = [hostId];
      index(vmId, 1);
    },
  };
}
