import 'server-only';
import { db } from '@/lib/db/client';
import { byDate, inChunks } from '@/lib/db/in-chunks';
import type { Prisma } from '@/lib/generated/prisma/client';
import { noSuchObject } from '@/lib/errors';
import { toPage, type Page } from '@/lib/http/pagination';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import type { VmDrState, VmRole } from '@/lib/domain/dr/dto';
import type { VmDto, VmState } from './dto';
import { matchesTags, SORT_KEY_SELECT, vmOrder, vmWhere, type SortKey } from './list-filters';
import type { ListVmsQuery, VmFilters } from './schemas';

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

// One page of the VM list: filtered, sorted, after the cursor's VM (keyset on its sort key and id,
// read from its row: it need not match the filters any more, e.g. after a change of state).
export async function listVms(q: ListVmsQuery): Promise<Page<VmDto>> {
  let after: SortKey | null = null;
  if (q.cursor) {
    after = await db().vm.findUnique({ where: { id: q.cursor }, select: SORT_KEY_SELECT });
    if (!after) throw noSuchObject('VM', q.cursor);
  }
  const { orderBy, keyset } = vmOrder(q, after);
  const rows = await db().vm.findMany({
    where: keyset ? { AND: [vmWhere(q), keyset] } : vmWhere(q),
    include,
    orderBy,
    take: q.limit + 1,
  });
  const page = toPage(
    rows,
    q.limit,
    (r) => r.id,
    (r) => r,
  );
  const items = page.items.filter((r) => matchesTags(q, r));
  const active = await activeTasks(items.map((r) => r.id));
  const names = await replicaOfNames(items);
  return { items: items.map((r) => toDto(r, active.get(r.id) ?? null, names)), nextCursor: page.nextCursor };
}

export async function countVms(f: VmFilters): Promise<number> {
  if (!f.tags) return db().vm.count({ where: vmWhere(f) });
  const rows = await db().vm.findMany({ where: vmWhere(f), select: { tags: true } });
  return rows.filter((r) => matchesTags(f, r)).length;
}

// Every tag in use and how many VMs carry it, A to Z (the backup and snapshot selectors offer them).
export async function listVmTags(): Promise<{ tag: string; count: number }[]> {
  const counts = new Map<string, number>();
  for (const { tags } of await db().vm.findMany({ select: { tags: true } }))
    for (const t of new Set(JSON.parse(tags) as string[])) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => a.tag.localeCompare(b.tag));
}

export async function getVm(id: string): Promise<VmDto> {
  const v = await db().vm.findUnique({ where: { id }, include });
  if (!v) throw noSuchObject('VM', id);
  const active = await activeTasks([id]);
  return toDto(v, active.get(id) ?? null, await replicaOfNames([v]));
}
