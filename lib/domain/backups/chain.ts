// Chain bookkeeping, pure. A VM's points form chains: a full, then incrementals each backed by the
// previous point. Pruning must never leave a kept point whose backing file is gone, so before an
// expiring point is deleted, every kept point that depends on it is rebased onto its nearest kept
// ancestor (or flattened into a full when there is none), once, straight over all dropped links.

export type ChainPoint = { id: string; vmId: string; parentId: string | null; takenAt: Date };

export type PruneStep =
  | { op: 'rebase'; pointId: string; ontoId: string | null; reason: string }
  | { op: 'delete'; pointId: string; reason: string };

export type PrunePlan = { keepIds: string[]; forced: { id: string; reason: string }[]; steps: PruneStep[] };

// The point the next incremental of this VM builds on: its newest.
export function chainHeads(points: ChainPoint[]): Map<string, ChainPoint> {
  const heads = new Map<string, ChainPoint>();
  for (const p of points) {
    const h = heads.get(p.vmId);
    if (!h || p.takenAt.getTime() > h.takenAt.getTime()) heads.set(p.vmId, p);
  }
  return heads;
}

// The chain from the full up to `id` (oldest first): what a restore or a verify of `id` reads.
export function chainOf<P extends { id: string; parentId: string | null }>(points: P[], id: string): P[] {
  const byId = new Map(points.map((p) => [p.id, p]));
  const out: P[] = [];
  for (let p = byId.get(id); p; p = p.parentId ? byId.get(p.parentId) : undefined) {
    if (out.includes(p)) break; // a cycle is corrupt data; do not loop on it
    out.unshift(p);
  }
  return out;
}

export function planPrune(points: ChainPoint[], keepIds: Iterable<string>): PrunePlan {
  const keep = new Set(keepIds);
  const forced: PrunePlan['forced'] = [];
  for (const head of chainHeads(points).values())
    if (!keep.has(head.id)) {
      keep.add(head.id);
      forced.push({ id: head.id, reason: 'chain head (the next incremental builds on it)' });
    }
  const byId = new Map(points.map((p) => [p.id, p]));
  const dropped = (id: string | null): boolean => !!id && byId.has(id) && !keep.has(id);
  const steps: PruneStep[] = [];
  const oldestFirst = [...points].sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
  for (const p of oldestFirst) {
    if (!keep.has(p.id) || !dropped(p.parentId)) continue;
    let onto = byId.get(p.parentId!)!;
    const skipped = [onto.id];
    while (dropped(onto.parentId)) skipped.push((onto = byId.get(onto.parentId!)!).id);
    const ontoId = onto.parentId && byId.has(onto.parentId) ? onto.parentId : null;
    steps.push({
      op: 'rebase',
      pointId: p.id,
      ontoId,
      reason: ontoId
        ? `its backing ${skipped.join(', ')} expire: merge them into it, backed by ${ontoId}`
        : `its backing ${skipped.join(', ')} expire and nothing older is kept: flatten it into a full`,
    });
  }
  // Newest first: if a delete fails half-way, no remaining point is left backed by a deleted one.
  for (const p of oldestFirst.reverse())
    if (!keep.has(p.id)) steps.push({ op: 'delete', pointId: p.id, reason: 'expired by the retention policy' });
  return { keepIds: points.filter((p) => keep.has(p.id)).map((p) => p.id), forced, steps };
}

// Deleting one point on request: with every other point kept, the prune plan rebases exactly the
// points backed by it (its dependants: its data merges into them, or they become fulls when it
// is a full). Retention always keeps a chain head, so the delete itself is added here.
export function planPointDelete(points: ChainPoint[], id: string): { dependants: string[]; steps: PruneStep[] } {
  const dependants = points.filter((p) => p.parentId === id).map((p) => p.id);
  const rebases = dependants.length
    ? planPrune(
        points,
        points.filter((p) => p.id !== id).map((p) => p.id),
      ).steps.filter((s) => s.op === 'rebase')
    : [];
  const why = (ontoId: string | null) =>
    ontoId
      ? `${id} is deleted: its data merges into it, now backed by ${ontoId}`
      : `${id}, its full, is deleted: it is flattened into a full`;
  return {
    dependants,
    steps: [
      ...rebases.map((s) => ({ ...s, reason: why(s.op === 'rebase' ? s.ontoId : null) })),
      { op: 'delete', pointId: id, reason: 'deleted on request' },
    ],
  };
}
