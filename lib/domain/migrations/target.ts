import 'server-only';
import { db } from '@/lib/db/client';
import { scoreTargets } from '@/lib/domain/balancer/best-target';
import { placementRules, type PlacementRules } from '@/lib/domain/balancer/placement-rules';
import { policyRow, toPolicyDto } from '@/lib/domain/balancer/queries';
import { loadSnapshot } from '@/lib/domain/balancer/snapshot';
import { reserveFailoverHosts } from '@/lib/domain/ha/policy';
import { hostInclude, toPlacementHost } from '@/lib/domain/hosts/queries';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { freeMemoryMiB, requireRoom, requireSite, siteOf, type PlacementHost } from '@/lib/domain/vms/placement';
import { conflict, noHostAvailable, noSuchObject, ruleViolation } from '@/lib/errors';
import { MIGRATION_STATE, type MigrationMode } from './dto';

// VMs that hold a place on their host for the anti-affinity rules: running, or about to.
const PLACED_STATES = [
  VM_STATE.provisioning,
  VM_STATE.starting,
  VM_STATE.running,
  VM_STATE.paused,
  VM_STATE.stopping,
  VM_STATE.migrating,
];
// Imbalance scores closer than this are a tie (the sums-of-squares form leaves ~1e-9 of noise).
const SCORE_EPSILON = 1e-9;

// VM id -> target host of the migrations under way (the VM row moves only when one succeeds).
async function inFlight(): Promise<Map<string, string>> {
  const rows = await db().migration.findMany({
    where: { state: MIGRATION_STATE.running },
    select: { vmId: true, targetHostId: true },
  });
  return new Map(rows.map((m) => [m.vmId, m.targetHostId]));
}

// Every host as placement sees it, with the memory of migrations still on their way to it
// counted as claimed, so an evacuation that queues several migrations cannot overbook a target.
// HA failover hosts are reserved (skipped) unless the caller is an HA restart.
export async function placementHosts(reserve = true): Promise<PlacementHost[]> {
  const [rows, incoming] = await Promise.all([db().host.findMany({ include: hostInclude }), inFlight()]);
  const vms = await db().vm.findMany({
    where: { id: { in: [...incoming.keys()] } },
    select: { id: true, memoryMiB: true },
  });
  const mem = new Map(vms.map((v) => [v.id, v.memoryMiB]));
  const hosts = rows.map((r) => {
    const h = toPlacementHost(r);
    const claims = [...incoming]
      .filter(([, to]) => to === h.id)
      .map(([vmId]) => ({ memoryMiB: mem.get(vmId) ?? 0, rssBytes: 0, state: 'provisioning' }));
    return { ...h, vms: [...h.vms, ...claims] };
  });
  return reserve ? reserveFailoverHosts(hosts) : hosts;
}

// The balancer policy's hard rules over the cluster as it is: a VM being migrated counts on its
// source and its target (it may stay or arrive).
export async function currentPlacementRules(): Promise<PlacementRules> {
  const [policy, vms, hosts, moving] = await Promise.all([
    policyRow(),
    db().vm.findMany({
      where: { state: { in: PLACED_STATES } },
      select: { id: true, name: true, tags: true, hostId: true },
    }),
    db().host.findMany({ select: { id: true, name: true } }),
    inFlight(),
  ]);
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  const ruleVms = vms.map((v) => ({
    id: v.id,
    name: v.name,
    tags: JSON.parse(v.tags) as string[],
    hostIds: moving.has(v.id) ? [v.hostId, moving.get(v.id)!] : [v.hostId],
  }));
  return placementRules(toPolicyDto(policy).rules, ruleVms, (id) => names.get(id) ?? id);
}

type MovingVm = { id: string; name: string; hostId: string; memoryMiB: number };

// The target of a migration: a named host that can take the VM now without breaking a rule, or
// ('best') the allowed other host with room that leaves the cluster most balanced. Only hosts of
// the VM's host's site: two sites share no storage.
export async function resolveTarget(vm: MovingVm, targetHostId: string): Promise<PlacementHost> {
  const [hosts, rules] = await Promise.all([placementHosts(), currentPlacementRules()]);
  const site = siteOf(hosts, vm.hostId);
  if (targetHostId === 'best')
    return bestTarget(
      vm,
      hosts.filter((h) => h.site === site),
      rules,
    );
  const h = hosts.find((x) => x.id === targetHostId);
  if (!h) throw noSuchObject('host', targetHostId);
  if (h.id === vm.hostId) throw conflict(`The VM already runs on ${h.name}; choose another host`, { hostId: h.id });
  requireSite(h, { site, why: `VM ${vm.name} runs in site ${site}` });
  requireRoom(h, vm.memoryMiB);
  const broken = rules.breaks(vm.id, h.id);
  if (broken) throw ruleViolation(vm.name, h.name, broken.rule, broken.why);
  return h;
}

async function bestTarget(vm: MovingVm, hosts: PlacementHost[], rules: PlacementRules): Promise<PlacementHost> {
  const others = hosts
    .filter((h) => h.id !== vm.hostId && h.online && !h.maintenance)
    .map((host) => ({ host, free: freeMemoryMiB(host) }));
  if (!others.length) throw noHostAvailable(vm.memoryMiB, 'no other host of its site is online and out of maintenance');
  const roomy = others.filter((o) => o.free >= vm.memoryMiB).sort((a, b) => b.free - a.free);
  if (!roomy.length) {
    const emptiest = others.reduce((a, b) => (b.free > a.free ? b : a));
    throw noHostAvailable(
      vm.memoryMiB,
      `the emptiest other host, ${emptiest.host.name}, has ${emptiest.free} MiB free`,
    );
  }
  const allowed = roomy.filter((o) => !rules.breaks(vm.id, o.host.id));
  if (!allowed.length) {
    const b = rules.breaks(vm.id, roomy[0].host.id)!;
    throw noHostAvailable(
      vm.memoryMiB,
      `placement rule "${b.rule.name}" allows none of the hosts with room (on ${roomy[0].host.name}: ${b.why})`,
    );
  }
  const [snap, moving] = await Promise.all([loadSnapshot(new Date()), inFlight()]);
  // Loads as they will be: a VM on its way to a host already counts there.
  const vms = snap.vms.map((v) => (moving.has(v.id) ? { ...v, hostId: moving.get(v.id)! } : v));
  const score = new Map(
    scoreTargets(
      { hosts: snap.hosts, vms },
      vm.id,
      allowed.map((o) => o.host.id),
    ).map((s) => [s.hostId, s.imbalance]),
  );
  const rank = (id: string) => score.get(id) ?? Infinity;
  allowed.sort((a, b) => {
    const d = rank(a.host.id) - rank(b.host.id);
    return Math.abs(d) > SCORE_EPSILON ? d : b.free - a.free || a.host.name.localeCompare(b.host.name);
  });
  return allowed[0].host;
}

// Shared pool: only memory moves. Anything else: the disk is mirrored to the target (NBD).
export async function migrationModeFor(vm: { hostId: string; pool: string }): Promise<MigrationMode> {
  const pool = await db().storagePool.findUnique({ where: { hostId_name: { hostId: vm.hostId, name: vm.pool } } });
  return (pool?.kind ?? vm.pool) === 'shared' ? 'shared' : 'storage';
}
