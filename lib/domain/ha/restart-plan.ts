// Pure: where each pending HA restart goes this tick. Order: priority (high first), then the VM's
// HA order, then name. Target: a host whose HA state is online, out of maintenance, with room
// (restarts already decided this tick count), and allowed by the hard placement rules
// (lib/domain/balancer/placement-rules.ts); failover hosts first when the policy keeps some;
// then most free memory. Only hosts of the failed host's site (two sites share no storage). A
// restart no host can take stays pending with the reason.
import type { PlacementRules } from '@/lib/domain/balancer/placement-rules';
import { freeMemoryMiB, siteOf, type PlacementHost } from '@/lib/domain/vms/placement';
import type { HaHostState, HaPriority } from './dto';

export const PRIORITY_RANK: Record<HaPriority, number> = { high: 0, medium: 1, low: 2 };

export type PlanRestart = {
  id: string;
  vmId: string;
  vmName: string;
  memoryMiB: number;
  priority: HaPriority;
  order: number;
  fromHostId: string;
  inPlace: boolean; // the VM crashed on a healthy host: restart it there
  targetHostId: string | null; // a manual failover's named host (null: any)
};

export type PlanHost = PlacementHost & { haState: HaHostState };

export type PlanDecision =
  { restartId: string; targetHostId: string } | { restartId: string; targetHostId: null; reason: string };

export function byRestartOrder(
  a: Pick<PlanRestart, 'priority' | 'order' | 'vmName'>,
  b: Pick<PlanRestart, 'priority' | 'order' | 'vmName'>,
): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.order - b.order || a.vmName.localeCompare(b.vmName);
}

export function planRestarts(
  restarts: readonly PlanRestart[],
  hosts: readonly PlanHost[],
  rules: PlacementRules,
  failoverHostIds: readonly string[] = [],
): PlanDecision[] {
  const claimed = new Map<string, number>(); // host -> MiB decided this tick
  const free = (h: PlanHost) => freeMemoryMiB(h) - (claimed.get(h.id) ?? 0);
  const failover = new Set(failoverHostIds);
  const out: PlanDecision[] = [];
  for (const r of [...restarts].sort(byRestartOrder)) {
    const pinned = r.inPlace ? r.fromHostId : r.targetHostId;
    const site = siteOf(hosts, r.fromHostId);
    const usable = hosts.filter((h) => h.site === site && (pinned ? h.id === pinned : h.id !== r.fromHostId));
    const up = usable.filter((h) => h.haState === 'online' && h.online && !h.maintenance);
    const roomy = up.filter((h) => free(h) >= r.memoryMiB);
    const allowed = roomy.filter((h) => !rules.breaks(r.vmId, h.id));
    const pick = allowed.sort(
      (a, b) =>
        Number(failover.has(b.id)) - Number(failover.has(a.id)) || free(b) - free(a) || a.name.localeCompare(b.name),
    )[0];
    if (pick) {
      claimed.set(pick.id, (claimed.get(pick.id) ?? 0) + r.memoryMiB);
      rules.place(r.vmId, pick.id);
      out.push({ restartId: r.id, targetHostId: pick.id });
      continue;
    }
    out.push({ restartId: r.id, targetHostId: null, reason: whyNot(r, hosts, usable, up, roomy, rules, free) });
  }
  return out;
}

function whyNot(
  r: PlanRestart,
  hosts: readonly PlanHost[],
  usable: readonly PlanHost[],
  up: readonly PlanHost[],
  roomy: readonly PlanHost[],
  rules: PlacementRules,
  free: (h: PlanHost) => number,
): string {
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  const pinned = r.inPlace ? r.fromHostId : r.targetHostId;
  const site = siteOf(hosts, r.fromHostId);
  const other = pinned ? hosts.find((h) => h.id === pinned) : undefined;
  if (other && other.site !== site)
    return `Host ${other.name} is in site ${other.site}; ${r.vmName} ran in site ${site} (sites share no storage)`;
  if (!usable.length)
    return pinned ? `Host ${names.get(pinned) ?? pinned} no longer exists` : `No other host of site ${site} exists`;
  if (!up.length) {
    const states = usable.map((h) => `${h.name} ${h.maintenance ? 'in maintenance' : h.haState}`).join(', ');
    return `Waiting for a healthy host (${states})`;
  }
  if (!roomy.length) {
    const best = up.reduce((a, b) => (free(b) > free(a) ? b : a));
    return `Waiting for capacity: needs ${r.memoryMiB} MiB; the emptiest healthy host, ${best.name}, has ${Math.max(0, free(best))} MiB free`;
  }
  const b = rules.breaks(r.vmId, roomy[0].id)!;
  return `Placement rule "${b.rule.name}" allows none of the hosts with room (on ${roomy[0].name}: ${b.why})`;
}
