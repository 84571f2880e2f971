import 'server-only';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import { notMovableReason } from '@/lib/domain/dr/roles';
import { HOST_STATUS } from '@/lib/domain/hosts/dto';
import { effectiveStatus } from '@/lib/domain/hosts/queries';
import { haReservedHostIds } from '@/lib/domain/ha/policy';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { migrationCostSec } from './cost';
import { predictDemand } from './demand';
import type { PlanHost, PlanVm } from './plan-types';

const MiB = 1024 * 1024;
// History the demand prediction looks at: the last 5 minutes of 5 s heartbeats.
export const HISTORY_MS = 5 * 60_000;
// VMs that occupy a host. Only running ones may move; the rest count as load but stay put.
const LOADED_STATES = [VM_STATE.running, VM_STATE.migrating, VM_STATE.paused, VM_STATE.stopping];

export type Snapshot = {
  hosts: PlanHost[];
  vms: PlanVm[];
  pinned: string[];
  hostNames: Map<string, string>;
  vmNames: Map<string, string>;
};

export async function loadSnapshot(now: Date): Promise<Snapshot> {
  const [hostRows, vmRows, haReserved] = await Promise.all([
    db().host.findMany({ include: { pools: { select: { name: true, kind: true } } }, orderBy: { name: 'asc' } }),
    db().vm.findMany({ where: { state: { in: LOADED_STATES } }, orderBy: { name: 'asc' } }),
    haReservedHostIds(),
  ]);
  // In chunks: a fleet's VM ids pass the parameter limit. Each VM's samples come in one chunk, in order.
  const samples = await inChunks(
    vmRows.map((v) => v.id),
    (ids) =>
      db().metricSample.findMany({
        where: { vmId: { in: ids }, at: { gte: new Date(now.getTime() - HISTORY_MS) } },
        orderBy: { at: 'asc' },
        select: { vmId: true, at: true, cpuPct: true, diskWrBytes: true },
      }),
  );
  const byVm = new Map<string, typeof samples>();
  for (const s of samples) (byVm.get(s.vmId!) ?? byVm.set(s.vmId!, []).get(s.vmId!)!).push(s);
  const sharedPool = new Set(
    hostRows.flatMap((h) => h.pools.filter((p) => p.kind === 'shared').map((p) => `${h.id}/${p.name}`)),
  );

  const hosts: PlanHost[] = hostRows.map((h) => ({
    id: h.id,
    site: h.site,
    cpuCapacity: h.cpuCount,
    memTotalBytes: Number(h.memoryTotalBytes),
    maintenance: h.maintenance || haReserved.has(h.id), // HA failover hosts take no VMs either
    online: effectiveStatus(h, now.getTime()) === HOST_STATUS.online,
  }));
  const vms: PlanVm[] = vmRows.map((v) => {
    const hist = byVm.get(v.id) ?? [];
    const cores = hist.length ? hist.map((s) => (s.cpuPct / 100) * v.vcpus) : [(v.cpuPct / 100) * v.vcpus];
    const first = hist[0];
    const last = hist[hist.length - 1];
    const secs = first && last ? (last.at.getTime() - first.at.getTime()) / 1000 : 0;
    const written = first && last ? Number(last.diskWrBytes - first.diskWrBytes) : 0;
    const shared = sharedPool.has(`${v.hostId}/${v.pool}`) || v.pool === 'shared';
    return {
      id: v.id,
      hostId: v.hostId,
      tags: JSON.parse(v.tags) as string[],
      memBytes: v.memoryMiB * MiB,
      cpuDemand: predictDemand(cores, v.vcpus),
      lastMigratedAt: v.lastMigratedAt?.getTime() ?? null,
      migrationCost: migrationCostSec({
        memoryBytes: v.memoryMiB * MiB,
        rssBytes: Number(v.rssBytes),
        vcpus: v.vcpus,
        cpuPct: v.cpuPct,
        // Local disk: the copy-on-write layer is mirrored; its size is roughly what the guest wrote.
        diskBytes: shared ? 0 : Math.min(Number(v.diskSizeBytes), Number(last?.diskWrBytes ?? 0)),
        diskWriteBytesPerSec: secs > 0 && written > 0 ? written / secs : 0,
      }),
    };
  });
  return {
    hosts,
    vms,
    // Stopped VMs, and DR replicas / test copies (they never leave their DR host), stay put.
    pinned: vmRows.filter((v) => v.state !== VM_STATE.running || notMovableReason(v)).map((v) => v.id),
    hostNames: new Map(hostRows.map((h) => [h.id, h.name])),
    vmNames: new Map(vmRows.map((v) => [v.id, v.name])),
  };
}
