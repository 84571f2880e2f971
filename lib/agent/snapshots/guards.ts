// Refusals that keep the agent's older features correct once VMs have points and linked clones
// (docs/ARCHITECTURE.md, "Snapshots and checkpoints"): a VM whose layers back other VMs' disks is
// not deleted, and a VM with points is not moved to another host's local pool (its frozen layers
// would stay behind).
import { pointInUse, pointUnsupported } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { QemuContext } from '../qemu/context';
import { clonesOf, readPoints, writePoints, type CloneRef } from './points-store';
import type { PointsFile } from '@/lib/agent-protocol/snapshots';

export function describeClones(clones: CloneRef[]): string {
  return clones.map((c) => `${c.vmId} (from snapshot ${c.pointId})`).join(', ');
}

// VM delete: every linked clone of any of its points must be made independent (or deleted) first.
export async function refuseUndefineWhileCloned(ctx: QemuContext, vmId: string): Promise<void> {
  const clones = await clonesOf(ctx, vmId);
  if (!clones.length) return;
  throw pointInUse(
    clones[0].pointId,
    `VM ${vmId} cannot be deleted while linked clones depend on its snapshots: ${describeClones(clones)}; make them independent or delete them first`,
    {
      vmId,
      clones,
    },
  );
}

// Storage migration copies only the active disk into the target's pool: the points' layers and
// memory states would be lost (documented choice: refuse; shared-pool migration keeps them).
export async function refuseStorageMigrationWithPoints(spec: VmSpec): Promise<void> {
  const n = (await readPoints(spec)).points.length;
  if (!n) return;
  throw pointUnsupported(
    spec.id,
    "migrate to another host's local storage",
    `${n} snapshot${n === 1 ? '' : 's'} on local storage would be lost; delete ${n === 1 ? 'it' : 'them'} first`,
  );
}

// Restore "replace" of a VM with points: the new disk descends from none of them (their layers
// stay untouched and can still be reverted to). Returns the file as it was, for an undo.
export async function clearCurrentPoint(spec: VmSpec): Promise<PointsFile | null> {
  const file = await readPoints(spec);
  if (file.currentId === null) return null;
  await writePoints(spec, { ...file, currentId: null });
  return file;
}
