import 'server-only';
import { db } from '@/lib/db/client';
import { hostInclude, toPlacementHost } from '@/lib/domain/hosts/queries';
import { freeMemoryMiB, placeVm, type PlacementHost } from '@/lib/domain/vms/placement';
import { conflict, hostOffline, insufficientCapacity, noHostAvailable, noSuchObject } from '@/lib/errors';
import { MIGRATION_STATE, type MigrationMode } from './dto';

// Every host as placement sees it, with the memory of migrations still on their way to it
// counted as claimed (the VM row only moves when a migration succeeds), so an evacuation that
// queues several migrations cannot overbook a target.
export async function placementHosts(): Promise<PlacementHost[]> {
  const [rows, incoming] = await Promise.all([
    db().host.findMany({ include: hostInclude }),
    db().migration.findMany({ where: { state: MIGRATION_STATE.running }, select: { targetHostId: true, vmId: true } }),
  ]);
  const vms = await db().vm.findMany({ where: { id: { in: incoming.map((m) => m.vmId) } }, select: { id: true, memoryMiB: true } });
  const mem = new Map(vms.map((v) => [v.id, v.memoryMiB]));
  return rows.map((r) => {
    const h = toPlacementHost(r);
    const claims = incoming.filter((m) => m.targetHostId === h.id).map((m) => ({ memoryMiB: mem.get(m.vmId) ?? 0, rssBytes: 0, state: 'provisioning' }));
    return { ...h, vms: [...h.vms, ...claims] };
  });
}

// The target of a migration: a named host that can take the VM now, or the best other host.
export function resolveTarget(hosts: PlacementHost[], sourceHostId: string, targetHostId: string, memoryMiB: number): PlacementHost {
  if (targetHostId === 'best') {
    const r = placeVm(hosts.filter((h) => h.id !== sourceHostId), memoryMiB);
    if (r.ok) return r.host;
    throw r.reason === 'none-online'
      ? noHostAvailable(memoryMiB, 'no other host is online and out of maintenance')
      : noHostAvailable(memoryMiB, `the emptiest other host, ${r.best!.host.name}, has ${r.best!.freeMiB} MiB free`);
  }
  const h = hosts.find((x) => x.id === targetHostId);
  if (!h) throw noSuchObject('host', targetHostId);
  if (h.id === sourceHostId) throw conflict(`The VM already runs on ${h.name}; choose another host`, { hostId: h.id });
  if (!h.online) throw hostOffline(h.name);
  if (h.maintenance) throw conflict(`Host ${h.name} is in maintenance and takes no VMs`, { hostId: h.id, maintenance: true });
  const free = freeMemoryMiB(h);
  if (free < memoryMiB) throw insufficientCapacity(h.name, memoryMiB, free);
  return h;
}

// Shared pool: only memory moves. Anything else: the disk is mirrored to the target (NBD).
export async function migrationModeFor(vm: { hostId: string; pool: string }): Promise<MigrationMode> {
  const pool = await db().storagePool.findUnique({ where: { hostId_name: { hostId: vm.hostId, name: vm.pool } } });
  return (pool?.kind ?? vm.pool) === 'shared' ? 'shared' : 'storage';
}
