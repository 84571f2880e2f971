import 'server-only';
import type { Prisma, RestorePoint } from '@/lib/generated/prisma/client';
import { keysetOrder } from '@/lib/db/keyset';
import { RESTORE_POINT_SORT_DEFAULT_ORDER, type RestorePointSort, type RestorePointsQuery } from './schemas';

// The point column each sort reads; the id breaks ties, so pages never skip or repeat a point.
const SORT_COLUMN = {
  taken: 'takenAt',
  size: 'sizeBytes',
  vm: 'vmName',
} as const satisfies Record<RestorePointSort, keyof Prisma.RestorePointWhereInput>;
type SortColumn = (typeof SORT_COLUMN)[RestorePointSort];
export type PointSortKey = Pick<RestorePoint, 'id' | SortColumn>;

export const POINT_SORT_KEY_SELECT = { id: true, takenAt: true, sizeBytes: true, vmName: true };

export function pointWhere(f: RestorePointsQuery): Prisma.RestorePointWhereInput {
  return {
    vmId: f.vmId,
    vmName: f.q ? { contains: f.q } : undefined,
    jobId: f.jobId,
    repositoryId: f.repositoryId,
    hostId: f.hostId,
    kind: f.kind,
    verifyState: f.verifyState,
    takenAt: f.from || f.to ? { gte: f.from, lt: f.to } : undefined,
  };
}

/** The order of a page and, after the cursor's point, the keyset condition of the next one. */
export function pointOrder(q: Pick<RestorePointsQuery, 'sort' | 'order'>, after: PointSortKey | null) {
  const { orderBy, keyset } = keysetOrder(
    SORT_COLUMN[q.sort],
    q.order ?? RESTORE_POINT_SORT_DEFAULT_ORDER[q.sort],
    after,
  );
  return {
    orderBy: orderBy as Prisma.RestorePointOrderByWithRelationInput[],
    keyset: keyset as Prisma.RestorePointWhereInput | null,
  };
}
