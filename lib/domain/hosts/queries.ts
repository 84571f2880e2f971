import 'server-only';
import { db } from '@/lib/db/client';
import type { Host, StoragePool } from '@/lib/generated/prisma/client';
import { noSuchObject } from '@/lib/errors';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { claimMiB, freeAfterClaim, type PlacementHost } from '@/lib/domain/vms/placement';
import { inChunks } from '@/lib/db/in-chunks';
import { vmLoadByHost, type VmLoad } from './vm-load';
import { HOST_STATUS, type HostDto, type HostStatus } from './dto';
import type { HaHostState } from '@/lib/domain/ha/dto';

// A host whose agent has not pushed a heartbeat for this long is shown offline: the agent pushes
// every 5 s, so two missed beats plus slack for a loaded host; with the UI's 3 s host poll an
// administrator sees it within 15 s of the last heartbeat.
export const OFFLINE_AFTER_MS = 12_000;

export function effectiveStatus(h: Pick<Host, 'status' | 'lastHeartbeat'>, now = Date.now()): HostStatus {
  if (!h.lastHeartbeat || now - h.lastHeartbeat.getTime() > OFFLINE_AFTER_MS) return HOST_STATUS.offline;
  return h.status as HostStatus;
}

type Row = Host & { pools: StoragePool[]; vms: { state: string; memoryMiB: number; rssBytes: bigint }[] };

export function toPlacementHost(h: Row): PlacementHost {
  return {
    id: h.id,
    name: h.name,
    site: h.site,
    online: effectiveStatus(h) === HOST_STATUS.online,
    maintenance: h.maintenance,
    memoryTotalBytes: Number(h.memoryTotalBytes),
    memoryUsedBytes: Number(h.memoryUsedBytes),
    vms: h.vms.map((v) => ({ state: v.state, memoryMiB: v.memoryMiB, rssBytes: Number(v.rssBytes) })),
  };
}

type HaRow = { state: string; reason: string } | undefined;

const NO_VMS: VmLoad = { vmCount: 0, runningVmCount: 0, claimMiB: 0 };

// What vmLoadByHost sums in SQL, from the rows of one host.
function vmLoadOf(h: Row): VmLoad {
  return {
    vmCount: h.vms.length,
    runningVmCount: h.vms.filter((v) => v.state === VM_STATE.running).length,
    claimMiB: claimMiB(toPlacementHost(h).vms),
  };
}

function toDto(h: Omit<Row, 'vms'>, load: VmLoad, ha: HaRow): HostDto {
  return {
    id: h.id,
    name: h.name,
    status: effectiveStatus(h),
    agentUrl: h.agentUrl,
    lastHeartbeat: h.lastHeartbeat?.toISOString() ?? null,
    driver: h.driver as HostDto['driver'],
    agentVersion: h.agentVersion,
    qemuVersion: h.qemuVersion,
    accelerator: h.accelerator as HostDto['accelerator'],
    acceleratorReason: h.acceleratorReason,
    cpuCount: h.cpuCount,
    cpuModel: h.cpuModel,
    cpuPct: h.cpuPct,
    memoryTotalBytes: Number(h.memoryTotalBytes),
    memoryUsedBytes: Number(h.memoryUsedBytes),
    freeMemoryBytes:
      freeAfterClaim(
        { memoryTotalBytes: Number(h.memoryTotalBytes), memoryUsedBytes: Number(h.memoryUsedBytes) },
        load.claimMiB,
      ) *
      1024 *
      1024,
    vmCount: load.vmCount,
    runningVmCount: load.runningVmCount,
    pools: h.pools.map((p) => ({
      name: p.name,
      kind: p.kind as 'local' | 'shared',
      path: p.path,
      totalBytes: Number(p.totalBytes),
      freeBytes: Number(p.freeBytes),
      updatedAt: p.updatedAt.toISOString(),
    })),
    maintenance: h.maintenance,
    maintenanceSince: h.maintenanceSince?.toISOString() ?? null,
    evacuatedVmIds: JSON.parse(h.evacuatedVmIds) as string[],
    ha: ha ? { state: ha.state as HaHostState, reason: ha.reason } : null,
    site: h.site,
  };
}

async function haStates(hostIds: string[]): Promise<Map<string, HaRow>> {
  const rows = await inChunks(hostIds, (ids) =>
    db().haHostState.findMany({ where: { hostId: { in: ids } }, select: { hostId: true, state: true, reason: true } }),
  );
  return new Map(rows.map((r) => [r.hostId, r]));
}

export const hostInclude = {
  pools: { orderBy: { name: 'asc' as const } },
  vms: { select: { state: true, memoryMiB: true, rssBytes: true } },
};

// DTOs of these host rows: their VMs summed by the database, their HA states.
export async function hostDtos(rows: Omit<Row, 'vms'>[]): Promise<HostDto[]> {
  const ids = rows.map((h) => h.id);
  const [load, ha] = await Promise.all([vmLoadByHost(ids), haStates(ids)]);
  return rows.map((h) => toDto(h, load.get(h.id) ?? NO_VMS, ha.get(h.id)));
}

// Every host, for the server's own uses (placement of an image's copies, start-up scripts); the
// API pages (host-list.ts).
export async function listHosts(): Promise<HostDto[]> {
  return hostDtos(await db().host.findMany({ include: { pools: hostInclude.pools }, orderBy: { name: 'asc' } }));
}

export async function getHost(id: string): Promise<HostDto> {
  const h = await db().host.findUnique({ where: { id }, include: hostInclude });
  if (!h) throw noSuchObject('host', id);
  return toDto(h, vmLoadOf(h), (await haStates([id])).get(id));
}
