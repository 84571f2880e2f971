// Pure placement: which host can take a VM needing `memoryMiB`. Free memory is what the host
// reports free, less what its VMs may still claim (allocation not yet touched, and VMs being
// provisioned that QEMU has not started yet), so two quick creates cannot overbook a host.
import { conflict, hostOffline, insufficientCapacity } from '@/lib/errors';

export type PlacementHost = {
  id: string;
  name: string;
  site: string; // hosts of one site share storage; VMs never move or get placed across sites
  online: boolean;
  maintenance?: boolean; // in maintenance: takes no new VMs
  reserved?: string; // why it takes no new VMs though up (an HA failover host; maintenance is set too)
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  vms: { memoryMiB: number; rssBytes: number; state: string }[];
};

const MiB = 1024 * 1024;
// lib/domain/hosts/vm-load.ts computes claimMiB in SQL for the host list (a test holds the two
// together).
export const CLAIMING_STATES = new Set(['provisioning', 'starting']);
export const RUNNING_STATES = new Set(['running', 'paused', 'stopping', 'migrating']);

export function claimMiB(vms: PlacementHost['vms']): number {
  let claim = 0;
  for (const vm of vms) {
    if (CLAIMING_STATES.has(vm.state)) claim += vm.memoryMiB;
    else if (RUNNING_STATES.has(vm.state)) claim += Math.max(0, vm.memoryMiB - vm.rssBytes / MiB);
  }
  return claim;
}

export function freeMemoryMiB(h: PlacementHost): number {
  return freeAfterClaim(h, claimMiB(h.vms));
}

export function freeAfterClaim(h: Pick<PlacementHost, 'memoryTotalBytes' | 'memoryUsedBytes'>, claimMiB: number) {
  return Math.max(0, Math.floor((h.memoryTotalBytes - h.memoryUsedBytes) / MiB - claimMiB));
}

export type PlacementResult =
  | { ok: true; host: PlacementHost; freeMiB: number }
  | { ok: false; reason: 'none-online' | 'no-capacity'; best?: { host: PlacementHost; freeMiB: number } };

// Where a VM may be placed: the site holding its image (new VMs), its backup (restores) or its
// current host (moves). `why` says what pins it, for the refusal of a host of another site.
export type SiteScope = { site: string; why: string };
// A host's site when nothing says otherwise (Host.site and Image.site default to it).
export const DEFAULT_SITE = 'main';

// Named host of another site: 409 with both sites, e.g. "Image X lives in site main; host dr1 is
// in site dr" (the other site has neither that storage nor that image repository).
export function requireSite<H extends Pick<PlacementHost, 'id' | 'name' | 'site'>>(h: H, scope: SiteScope): H {
  if (h.site !== scope.site)
    throw conflict(`${scope.why}; host ${h.name} is in site ${h.site}`, {
      hostId: h.id,
      site: h.site,
      need: scope.site,
    });
  return h;
}

// The site of a host in the list (a host gone from it: the default site).
export function siteOf(hosts: readonly Pick<PlacementHost, 'id' | 'site'>[], hostId: string): string {
  return hosts.find((h) => h.id === hostId)?.site ?? DEFAULT_SITE;
}

// Most free memory wins (spreads load); ties go to fewer VMs, then name for determinism. Only
// hosts of `site` count.
export function placeVm(hosts: PlacementHost[], memoryMiB: number, site: string): PlacementResult {
  const online = hosts.filter((h) => h.site === site && h.online && !h.maintenance);
  if (!online.length) return { ok: false, reason: 'none-online' };
  const ranked = online
    .map((host) => ({ host, freeMiB: freeMemoryMiB(host) }))
    .sort(
      (a, b) =>
        b.freeMiB - a.freeMiB || a.host.vms.length - b.host.vms.length || a.host.name.localeCompare(b.host.name),
    );
  const best = ranked[0];
  return best.freeMiB >= memoryMiB ? { ok: true, ...best } : { ok: false, reason: 'no-capacity', best };
}

// A host the user named (create, restore, migrate): refused with the reason when it cannot take
// the VM now. Offline 503; in maintenance (it is being emptied) or short of memory 409.
export function requireRoom(h: PlacementHost, memoryMiB: number): PlacementHost {
  if (!h.online) throw hostOffline(h.name);
  if (h.reserved) throw conflict(h.reserved, { hostId: h.id, reserved: true });
  if (h.maintenance)
    throw conflict(`Host ${h.name} is in maintenance and takes no VMs`, { hostId: h.id, maintenance: true });
  const free = freeMemoryMiB(h);
  if (free < memoryMiB) throw insufficientCapacity(h.name, memoryMiB, free);
  return h;
}
