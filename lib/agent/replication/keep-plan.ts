// Keep N (pure): which of a replica's oldest points go so that `keep` remain. The two oldest are
// merged: the second-oldest layer is committed into the oldest FILE, which then belongs to the
// second point, and the third is rebased onto it. A point whose predecessor chain is cut (a full
// sent on top of older points: its layer has no backing) makes the older chain simply droppable.
// Pruning stops at a point a test VM stands on (its file must not change under the test, nor the
// next layer be rebased while the test's QEMU holds it) and after a failover (the promoted disk's
// chain is in use).

export type KeepPoint = { id: string; layer: string; standalone: boolean };

export type KeepStep =
  | { kind: 'drop'; point: KeepPoint } // the oldest chain ends here: delete its file
  | { kind: 'merge'; base: KeepPoint; top: KeepPoint; child: KeepPoint | null };

export type KeepPlan = { steps: KeepStep[]; stoppedBy: string | null };

export function planKeep(
  points: KeepPoint[],
  keep: number,
  opts: { testedPointIds: string[]; promoted: boolean },
): KeepPlan {
  const steps: KeepStep[] = [];
  const tested = new Set(opts.testedPointIds);
  let rest = [...points];
  while (rest.length > keep) {
    if (opts.promoted) return { steps, stoppedBy: 'the replica was failed over: its chain is in use' };
    const [base, top, child] = rest;
    if (top.standalone) {
      if (tested.has(base.id)) return { steps, stoppedBy: `a test VM stands on point ${base.id}` };
      steps.push({ kind: 'drop', point: base });
      rest = rest.slice(1);
      continue;
    }
    const busy = [base, top, child].find((p) => p && tested.has(p.id));
    if (busy) return { steps, stoppedBy: `a test VM stands on point ${busy.id}` };
    // A standalone child (a later full) does not read through the merged file: never rebase it.
    steps.push({ kind: 'merge', base, top, child: child && !child.standalone ? child : null });
    // The base file now holds the second point's data: that point owns it.
    rest = [{ ...top, layer: base.layer, standalone: base.standalone }, ...rest.slice(2)];
  }
  return { steps, stoppedBy: null };
}

// The points after applying a plan: each merged point takes its base's file name.
export function pointsAfter<T extends { id: string; layer: string }>(points: T[], plan: KeepPlan): T[] {
  let rest = [...points];
  for (const step of plan.steps) {
    if (step.kind === 'drop') rest = rest.slice(1);
    else rest = [{ ...rest[1], layer: rest[0].layer }, ...rest.slice(2)];
  }
  return rest;
}
