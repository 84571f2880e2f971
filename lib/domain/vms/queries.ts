import 'server-only';
import { db } from '@/lib/db/client';
import { byDate, inChunks } from '@/lib/db/in-chunks';
import type { Prisma } from '@/lib/generated/prisma/client';
import { noSuchObject } from '@/lib/errors';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import type { VmDrState, VmRole } from '@/lib/domain/dr/dto';
import type { VmDto, VmState } from './dto';

const include = {
  host: { select: { name: true } },
  image: { select: { name: true, version: true } },
} satisfies Prisma.VmInclude;
type Row = Prisma.VmGetPayload<{ include: typeof include }>;

function toDto(v: Row, activeTaskId: string | null, names: Map<string, string>): VmDto {
  return {
    id: v.id,
    name: v.name,
    state: v.state as VmState,
    guestReady: v.guestReady,
    guestWarning: v.guestReady ? null : v.guestWarning,
    hostId: v.hostId,
    hostName: v.host.name,
    imageId: v.imageId,
    imageLabel: v.image ? `${v.image.name} ${v.image.version}` : null,
    vcpus: v.vcpus,
    memoryMiB: v.memoryMiB,
    diskSizeBytes: Number(v.diskSizeBytes),
    pool: v.pool,
    diskPath: v.diskPath,
    haEnabled: v.haEnabled,
    haPriority: v.haPriority as VmDto['haPriority'],
    haOrder: v.haOrder,
    tags: JSON.parse(v.tags) as string[],
    cpuPct: v.cpuPct,
    rssBytes: Number(v.rssBytes),
    lastError: v.lastError,
    createdAt: v.createdAt.toISOString(),
    activeTaskId,
    role: v.role as VmRole,
    replicaOfId: v.replicaOfId,
    replicaOfName: v.replicaOfId ? (names.get(v.replicaOfId) ?? null) : null,
    drState: v.drState as VmDrState,
  };
}

// Names of the VMs replicas and dr-test copies are of (their labels say "Replica of X").
async function replicaOfNames(rows: Row[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.replicaOfId ? [r.replicaOfId] : [])))];
  if (ids.length === 0) return new Map();
  const vms = await inChunks(ids, (chunk) =>
    db().vm.findMany({ where: { id: { in: chunk } }, select: { id: true, name: true } }),
  );
  return new Map(vms.map((v) => [v.id, v.name]));
}

async function activeTasks(vmIds: string[]): Promise<Map<string, string>> {
  // Oldest first, so the newest active task of each VM wins in the map.
  const tasks = await inChunks(
    vmIds,
    (chunk) =>
      db().task.findMany({
        where: { targetType: 'vm', targetId: { in: chunk }, state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
        select: { id: true, targetId: true, createdAt: true },
      }),
    byDate((t) => t.createdAt),
  );
  return new Map(tasks.map((t) => [t.targetId!, t.id]));
}

export async function listVms(filter: { hostId?: string } = {}): Promise<VmDto[]> {
  const rows = await db().vm.findMany({ where: { hostId: filter.hostId }, include, orderBy: { name: 'asc' } });
  const active = await activeTasks(rows.map((r) => r.id));
  const names = await replicaOfNames(rows);
  return rows.map((r) => toDto(r, active.get(r.id) ?? null, names));
}

export async function getVm(id: string): Promise<VmDto> {
  const v = await db().vm.findUnique({ where: { id }, include });
  if (!v) throw noSuchObject('VM', id);
  const active = await activeTasks([id]);
  return toDto(v, active.get(id) ?? null, await replicaOfNames([v]));
}
