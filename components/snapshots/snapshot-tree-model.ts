// The VM's snapshots as tree rows (reverts create branches), in display order, with what each row
// needs to draw its branch lines. Pure, so it is tested without a browser.
import type { SnapshotDto } from '@/lib/domain/snapshots/dto';

type RowShape = {
  depth: number; // 0 = a root
  // One entry per level 1..depth-1: whether the vertical line of that level continues past this row.
  guides: boolean[];
  last: boolean; // the last child of its parent: the elbow ends here
};
export type SnapshotRow = RowShape & {
  type: 'snapshot';
  snapshot: SnapshotDto;
  // Layers that sit directly on this point's layer: child points, plus the VM's disk when the VM
  // descends from it now. Two or more make it a branch point.
  branches: number;
  current: boolean;
};
export type HereRow = RowShape & { type: 'here' };
export type TreeRow = SnapshotRow | HereRow;

/** Depth-first rows, children oldest first, with "You are here" as the last child of the current point. */
export function snapshotTreeRows(snapshots: SnapshotDto[], currentId: string | null): TreeRow[] {
  if (snapshots.length === 0) return [];
  const ids = new Set(snapshots.map((s) => s.id));
  const current = currentId && ids.has(currentId) ? currentId : null;
  const children = new Map<string | null, SnapshotDto[]>();
  // A parent that is no longer listed makes its children roots, rather than hiding them.
  for (const s of [...snapshots].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))) {
    const parent = s.parentId && ids.has(s.parentId) ? s.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const rows: TreeRow[] = [];
  const walk = (parent: string | null, depth: number, guides: boolean[]) => {
    const kids: (SnapshotDto | 'here')[] = [
      ...(children.get(parent) ?? []),
      ...(current === parent ? ['here' as const] : []),
    ];
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      if (kid === 'here') {
        rows.push({ type: 'here', depth, guides, last });
        return;
      }
      const branches = (children.get(kid.id)?.length ?? 0) + (current === kid.id ? 1 : 0);
      rows.push({ type: 'snapshot', snapshot: kid, depth, guides, last, branches, current: current === kid.id });
      walk(kid.id, depth + 1, depth === 0 ? [] : [...guides, !last]);
    });
  };
  walk(null, 0, []);
  return rows;
}

/** Why a point cannot be deleted now (the agent refuses the same cases), or null. */
export function deleteBlockReason(row: Pick<SnapshotRow, 'snapshot' | 'branches'>): string | null {
  const { clones } = row.snapshot;
  if (clones.length > 0) {
    const names = clones.map((c) => c.vmName).join(', ');
    return `Linked clone${clones.length === 1 ? '' : 's'} ${names} depend${clones.length === 1 ? 's' : ''} on it: make ${clones.length === 1 ? 'it' : 'them'} independent or delete ${clones.length === 1 ? 'it' : 'them'} first`;
  }
  if (row.branches >= 2) return `Branch point of ${row.branches} branches: delete the other branch first`;
  return null;
}
