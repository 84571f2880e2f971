import 'server-only';
import type { Host, Prisma } from '@/lib/generated/prisma/client';
import { db } from '@/lib/db/client';
import { keysetOrder } from '@/lib/db/keyset';
import { noSuchObject } from '@/lib/errors';
import { toPage, type Page } from '@/lib/http/pagination';
import type { HostDto } from './dto';
import { OFFLINE_AFTER_MS, hostDtos } from './queries';
import { HOST_SORT_DEFAULT_ORDER, type HostSort, type HostsQuery } from './schemas';

// The host column each sort reads; the id breaks ties, so pages never skip or repeat a host (a
// figure that moves between two pages may: the list is live).
const SORT_COLUMN = {
  name: 'name',
  cpu: 'cpuPct',
  memory: 'memoryUsedBytes',
} as const satisfies Record<HostSort, keyof Prisma.HostWhereInput>;
type SortKey = Pick<Host, 'id' | (typeof SORT_COLUMN)[HostSort]>;

// Online as the list shows it (effectiveStatus): heartbeats arrive, the last one recent.
const onlineWhere = (now = Date.now()): Prisma.HostWhereInput => ({
  status: 'online',
  lastHeartbeat: { gte: new Date(now - OFFLINE_AFTER_MS) },
});

function hostWhere(q: HostsQuery): Prisma.HostWhereInput {
  const status =
    q.status === 'online'
      ? onlineWhere()
      : q.status === 'offline'
        ? { NOT: onlineWhere() }
        : q.status === 'maintenance'
          ? { maintenance: true }
          : {};
  return { AND: [{ name: q.q ? { contains: q.q } : undefined, site: q.site }, status] };
}

export async function listHostsPage(q: HostsQuery): Promise<Page<HostDto>> {
  let after: SortKey | null = null;
  if (q.cursor) {
    after = await db().host.findUnique({
      where: { id: q.cursor },
      select: { id: true, name: true, cpuPct: true, memoryUsedBytes: true },
    });
    if (!after) throw noSuchObject('host', q.cursor);
  }
  const { orderBy, keyset } = keysetOrder(SORT_COLUMN[q.sort], q.order ?? HOST_SORT_DEFAULT_ORDER[q.sort], after);
  const where = hostWhere(q);
  const rows = await db().host.findMany({
    where: keyset ? { AND: [where, keyset as Prisma.HostWhereInput] } : where,
    orderBy: orderBy as Prisma.HostOrderByWithRelationInput[],
    include: { pools: { orderBy: { name: 'asc' } } },
    take: q.limit + 1,
  });
  const page = toPage(
    rows,
    q.limit,
    (h) => h.id,
    (h) => h,
  );
  return { items: await hostDtos(page.items), nextCursor: page.nextCursor };
}
