// Pure HA admission control. 'tolerate' N: losing any N hosts must leave enough spare memory on
// the others to restart those hosts' HA VMs. For a set F of failed hosts the need is HA(F) and the
// supply is spare(all) - spare(F), so the check is HA(F) + spare(F) <= spare(all): additive per
// host, hence the N hosts with the largest HA + spare are the worst case (no search over sets).
// 'failover-hosts' (N:K): the K failover hosts' spare memory must hold the HA VMs of the K
// active hosts with the most. 'off': the numbers are shown, nothing is refused. Each site is
// counted on its own (HA restarts stay in the failed host's site): the cluster's protection is
// the weakest site's, and an action is judged on the sites it touches.
import type { HaAdmissionMode } from './dto';

export type AdmissionHost = {
  id: string;
  site: string;
  haMiB: number; // memory of the HA VMs meant to run there
  spareMiB: number; // what placement could still give a VM there
};

export type AdmissionPolicy = {
  enabled: boolean;
  admission: HaAdmissionMode;
  hostFailuresToTolerate: number;
  failoverHostIds: readonly string[];
};

// hostsCounted: the hosts that can take part (a cluster of N hosts cannot tolerate N failures).
export type Protection = {
  requiredMiB: number;
  spareMiB: number;
  tolerate: number;
  failuresTolerated: number;
  hostsCounted: number;
  ok: boolean;
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

// Need and supply when the `n` worst hosts of `active` fail, restarting onto `standby` as well.
function worstCase(
  active: readonly AdmissionHost[],
  standby: readonly AdmissionHost[],
  n: number,
): { requiredMiB: number; spareMiB: number } {
  const worst = [...active].sort((a, b) => b.haMiB + b.spareMiB - (a.haMiB + a.spareMiB)).slice(0, n);
  const lost = new Set(worst.map((h) => h.id));
  return {
    requiredMiB: sum(worst.map((h) => h.haMiB)),
    spareMiB: sum([...active, ...standby].filter((h) => !lost.has(h.id)).map((h) => h.spareMiB)),
  };
}

function bySite(hosts: readonly AdmissionHost[]): AdmissionHost[][] {
  const sites = new Map<string, AdmissionHost[]>();
  for (const h of hosts) (sites.get(h.site) ?? sites.set(h.site, []).get(h.site)!).push(h);
  return [...sites.values()];
}

// The weakest site's protection: the biggest shortfall, then the fewest failures tolerated. A
// site promised nothing (N:K with no failover host there) is not the weakest while others are.
export function protection(hosts: readonly AdmissionHost[], policy: AdmissionPolicy): Protection {
  const all = bySite(hosts).map((site) => siteProtection(site, policy));
  const promised = all.filter((p) => p.tolerate > 0);
  const sites = promised.length ? promised : all;
  if (!sites.length) return siteProtection([], policy);
  const weaker = (a: Protection, b: Protection) =>
    (deficit(b) - deficit(a) || a.failuresTolerated - b.failuresTolerated) > 0 ? b : a;
  return sites.reduce(weaker);
}

function siteProtection(hosts: readonly AdmissionHost[], policy: AdmissionPolicy): Protection {
  const failover = new Set(policy.admission === 'failover-hosts' ? policy.failoverHostIds : []);
  const standby = hosts.filter((h) => failover.has(h.id));
  // In N:K only the failover hosts' room counts: the active hosts are meant to be full.
  const active = hosts.filter((h) => !failover.has(h.id)).map((h) => (failover.size ? { ...h, spareMiB: 0 } : h));
  const tolerate = failover.size ? standby.length : policy.hostFailuresToTolerate;
  const holds = (n: number) => {
    const w = worstCase(active, standby, n);
    return w.requiredMiB <= w.spareMiB;
  };
  // Losing every host restarts nothing, so the count stops one short of the whole cluster.
  const most = failover.size ? Math.min(standby.length, active.length) : Math.max(0, hosts.length - 1);
  let failuresTolerated = 0;
  while (failuresTolerated < most && holds(failuresTolerated + 1)) failuresTolerated++;
  const w = worstCase(active, standby, tolerate);
  return {
    ...w,
    tolerate,
    failuresTolerated,
    hostsCounted: hosts.length,
    ok: tolerate <= most && w.requiredMiB <= w.spareMiB,
  };
}

// What an action changes on a host: memory it takes (negative: frees) and HA memory it adds
// (negative: removes). A start takes memory; enabling HA only adds HA memory; a move does both ways.
export type AdmissionChange = { hostId: string; usedMiB: number; haMiB: number };

export type AdmissionVerdict = { ok: true } | { ok: false; requiredMiB: number; spareMiB: number; tolerate: number };

const deficit = (p: Protection) => Math.max(0, p.requiredMiB - p.spareMiB) + (p.ok ? 0 : 1);

// Refused when the action leaves a site it touches short of what 'tolerate' promises and worse
// off than before (a migration that improves an already short site is let through).
export function admit(
  hosts: readonly AdmissionHost[],
  policy: AdmissionPolicy,
  changes: readonly AdmissionChange[],
): AdmissionVerdict {
  if (!policy.enabled || policy.admission !== 'tolerate') return { ok: true };
  for (const site of bySite(hosts)) {
    if (!changes.some((c) => site.some((h) => h.id === c.hostId))) continue;
    const verdict = admitInSite(site, policy, changes);
    if (!verdict.ok) return verdict;
  }
  return { ok: true };
}

function admitInSite(
  hosts: readonly AdmissionHost[],
  policy: AdmissionPolicy,
  changes: readonly AdmissionChange[],
): AdmissionVerdict {
  const after = hosts.map((h) => {
    const mine = changes.filter((c) => c.hostId === h.id);
    return {
      ...h,
      spareMiB: h.spareMiB - sum(mine.map((c) => c.usedMiB)),
      haMiB: h.haMiB + sum(mine.map((c) => c.haMiB)),
    };
  });
  const before = siteProtection(hosts, policy);
  const next = siteProtection(after, policy);
  if (next.ok || deficit(next) <= deficit(before)) return { ok: true };
  return { ok: false, requiredMiB: next.requiredMiB, spareMiB: next.spareMiB, tolerate: next.tolerate };
}
