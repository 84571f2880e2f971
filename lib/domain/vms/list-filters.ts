import 'server-only';
import type { Prisma, Vm } from '@/lib/generated/prisma/client';
import { keysetOrder } from '@/lib/db/keyset';
import { VM_SORT_DEFAULT_ORDER, type ListVmsQuery, type VmFilters, type VmSort } from './schemas';

// The VM column each sort reads; the id breaks ties, so pages never skip or repeat a VM.
const SORT_COLUMN = {
  name: 'name',
  created: 'createdAt',
  state: 'state',
  vcpus: 'vcpus',
  memory: 'memoryMiB',
} as const satisfies Record<VmSort, keyof Prisma.VmWhereInput>;
type SortColumn = (typeof SORT_COLUMN)[VmSort];
export type SortKey = Pick<Vm, 'id' | SortColumn>;

export const SORT_KEY_SELECT = { id: true, name: true, createdAt: true, state: true, vcpus: true, memoryMiB: true };

export function vmWhere(f: VmFilters): Prisma.VmWhereInput {
  return {
    state: f.state,
    hostId: f.hostId,
    host: f.site ? { site: f.site } : undefined,
    id: f.ids ? { in: f.ids } : undefined,
    AND: [
      f.q ? { OR: [{ name: { contains: f.q } }, { id: { contains: f.q } }] } : {},
      // Tags are stored as a JSON array: a quoted tag is one element. LIKE's `_` in a tag may also
      // match another character there, so matchesTags() checks the rows read.
      f.tags ? { OR: f.tags.map((t) => ({ tags: { contains: JSON.stringify(t) } })) } : {},
    ],
  };
}

export function matchesTags(f: Pick<VmFilters, 'tags'>, row: { tags: string }): boolean {
  const wanted = f.tags;
  return !wanted || (JSON.parse(row.tags) as string[]).some((t) => wanted.includes(t));
}

/** The order of a page and, after the cursor's VM, the keyset condition of the next one. */
export function vmOrder(q: Pick<ListVmsQuery, 'sort' | 'order'>, after: SortKey | null) {
  const { orderBy, keyset } = keysetOrder(SORT_COLUMN[q.sort], q.order ?? VM_SORT_DEFAULT_ORDER[q.sort], after);
  return { orderBy: orderBy as Prisma.VmOrderByWithRelationInput[], keyset: keyset as Prisma.VmWhereInput | null };
}
