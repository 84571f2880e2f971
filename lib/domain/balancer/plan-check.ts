// Independent check of a plan against its input (no shared code with the planner's state):
// used by the unit tests and by the scale benchmark's sanity assertion.
import type { Plan, PlanInput } from './plan-types';

export function planViolations(input: PlanInput, plan: Plan): string[] {
  const out: string[] = [];
  const hosts = new Map(input.hosts.map((h) => [h.id, h]));
  const vms = new Map(input.vms.map((v) => [v.id, { ...v }]));
  const excluded = new Set(input.policy.excludedVmIds);
  const moved = new Set<string>();
  const received = new Set<string>();
  if (plan.moves.length > input.policy.maxMoves) out.push(`${plan.moves.length} moves > max ${input.policy.maxMoves}`);
  for (const m of plan.moves) {
    const vm = vms.get(m.vmId);
    const to = hosts.get(m.to);
    if (!vm || !to) {
      out.push(`unknown VM or host in ${JSON.stringify(m)}`);
      continue;
    }
    if (vm.hostId !== m.from) out.push(`${m.vmId}: moved from ${m.from} but it is on ${vm.hostId}`);
    if (moved.has(vm.id)) out.push(`${vm.id} moved twice`);
    if (excluded.has(vm.id)) out.push(`${vm.id} is excluded`);
    if (vm.lastMigratedAt !== null && input.now - vm.lastMigratedAt < input.policy.cooldownMin * 60_000)
      out.push(`${vm.id} is cooling down`);
    if (!to.online || to.maintenance) out.push(`${m.to} is offline or in maintenance and received ${vm.id}`);
    moved.add(vm.id);
    received.add(m.to);
    vm.hostId = m.to;
  }
  const cpu = new Map<string, number>();
  const mem = new Map<string, number>();
  for (const v of vms.values()) {
    cpu.set(v.hostId, (cpu.get(v.hostId) ?? 0) + v.cpuDemand);
    mem.set(v.hostId, (mem.get(v.hostId) ?? 0) + v.memBytes);
  }
  const eps = 1e-9;
  for (const id of received) {
    const h = hosts.get(id)!;
    if ((cpu.get(id) ?? 0) > (h.cpuCapacity * input.policy.cpuThresholdPct) / 100 + eps)
      out.push(`${id} ends above the CPU threshold`);
    if ((mem.get(id) ?? 0) > (h.memTotalBytes * input.policy.memThresholdPct) / 100 + eps)
      out.push(`${id} ends above the memory threshold`);
  }
  for (const r of input.rules) {
    const tagged = [...vms.values()].filter((v) => v.tags.includes(r.tag) && moved.has(v.id));
    for (const v of tagged) {
      if (r.kind === 'vm-host-affinity' && r.strength === 'must' && !r.hostIds.includes(v.hostId))
        out.push(`${v.id} moved off its must-hosts (${r.name})`);
      if (
        r.kind === 'vm-vm-anti-affinity' &&
        [...vms.values()].some((o) => o.id !== v.id && o.hostId === v.hostId && o.tags.includes(r.tag))
      )
        out.push(`${v.id} moved next to another VM tagged ${r.tag}`);
    }
  }
  return out;
}
