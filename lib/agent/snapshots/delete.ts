// Delete one point (docs/ARCHITECTURE.md, "Snapshots and checkpoints"). Its frozen layer F goes
// away; what depends on F decides how:
//   no child          -> F (and its state file) deleted;
//   one child C       -> C merged down into F (block-commit live, with explicit top and base
//                        nodes; qemu-img commit -b offline), C deleted, C's point now owns F;
//   2+ children       -> refused: a branch point (delete the other branch first);
//   a linked clone    -> refused, naming the clones (they read F, or C which goes away).
// The base is always F, a file in the VM's directory: nothing is ever committed into the image
// repository. Enabled persistent bitmaps of F record the merged clusters (F is written through
// QEMU's block layer either way), so backups stay incremental and correct.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pointInUse, qemuError } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { OperationHandle } from '../operations';
import type { QemuContext } from '../qemu/context';
import { runQemuImg } from '../qemu/qemu-img';
import type { VmSession } from '../qemu/vm-session';
import { describeClones } from './guards';
import { commitLive } from './point-jobs';
import { namedNodes } from './point-qmp';
import {
  childrenOf,
  clonesOf,
  inVmDir,
  layerGraph,
  mustFindPoint,
  pointOfLayer,
  readPoints,
  saveDiskAndPoints,
} from './points-store';
import type { PointRecord, PointsFile } from '@/lib/agent-protocol/snapshots';

export type DeletePlan = {
  file: PointsFile;
  point: PointRecord;
  f: string;
  child: string | null;
  childPoint: PointRecord | null;
  grandchildren: string[];
};

// What deleting the point means, or the coded refusal (also asked before the operation starts).
export async function planDelete(ctx: QemuContext, spec: VmSpec, pointId: string): Promise<DeletePlan> {
  const file = await readPoints(spec);
  const point = mustFindPoint(file, pointId);
  const f = inVmDir(spec, point.layer);
  const graph = await layerGraph(ctx, spec, file);
  const children = childrenOf(graph, f);
  const child = children.length === 1 ? children[0] : null;
  const childPoint = child ? pointOfLayer(file, path.basename(child)) : null;

  const affected = new Set([point.id, ...(childPoint ? [childPoint.id] : [])]);
  const clones = (await clonesOf(ctx, spec.id)).filter((c) => affected.has(c.pointId));
  if (clones.length)
    throw pointInUse(
      pointId,
      `linked clones depend on it: ${describeClones(clones)}; make them independent or delete them first`,
      { clones },
    );
  if (children.length > 1) {
    throw pointInUse(pointId, `branch point of ${children.length} branches: delete the other branch first`, {
      branches: children.length,
    });
  }
  return { file, point, f, child, childPoint, grandchildren: child ? childrenOf(graph, child) : [] };
}

// Precondition: the caller holds ctx.withLock(spec.id).
export async function deletePoint(
  ctx: QemuContext,
  spec: VmSpec,
  pointId: string,
  op?: OperationHandle,
): Promise<void> {
  const { file, point, f, child, childPoint, grandchildren } = await planDelete(ctx, spec, pointId);
  // The points that descended from this one now descend from its parent.
  const rest = file.points
    .filter((p) => p.id !== point.id)
    .map((p) => (p.parentId === point.id ? { ...p, parentId: point.parentId } : p));
  const next: PointsFile = {
    ...file,
    currentId: file.currentId === point.id ? point.parentId : file.currentId,
    points: rest,
  };
  const stateFile = point.stateFile ? inVmDir(spec, point.stateFile) : null;

  if (!child) {
    await saveDiskAndPoints(ctx, spec, next);
    await rm(f, { force: true });
  } else {
    const s = await ctx.vms.session(spec);
    const live = s ? await nodeOf(s, child) : null;
    if (s && live) {
      await commitLive(s, live, await mustNodeOf(s, f), child === spec.diskPath, (done, total) =>
        op?.report(total ? (0.9 * done) / total : 0, 'merging the snapshot layers', {
          bytesDone: done,
          bytesTotal: total,
        }),
      );
      // C's node left the chain but stays open while the monitor holds it (blockdev-add): it would
      // keep F "busy" as its backing for the next snapshot, and its file open after the rm below.
      await s.execute('blockdev-del', { 'node-name': live }).catch(() => {});
      // QEMU re-pointed the overlay it has open; a branch it does not run still names C.
      for (const g of grandchildren) if (!(await nodeOf(s, g))) await rebaseUnsafe(ctx, g, f);
    } else {
      await commitOffline(ctx, f, child, grandchildren);
    }
    // F now holds C's content: C's point (if any) owns it; C was the active file -> F is.
    const merged: PointsFile = {
      ...next,
      active: child === spec.diskPath ? point.layer : next.active,
      points: next.points.map((p) => (childPoint && p.id === childPoint.id ? { ...p, layer: point.layer } : p)),
    };
    await saveDiskAndPoints(ctx, spec, merged);
    await rm(child, { force: true });
  }
  if (stateFile) await rm(stateFile, { force: true });
  ctx.log(
    `VM ${spec.id}: deleted point ${point.id}${child ? ` (merged ${path.basename(child)} into ${point.layer})` : ''}`,
  );
}

// qemu-img commit writes C into the base named explicitly (-b), -d skips emptying C (it is
// deleted); C's own children are then pointed at F without copying (-u: same content).
async function commitOffline(ctx: QemuContext, f: string, c: string, grandchildren: string[]): Promise<void> {
  await runQemuImg(ctx.qemuImg, 'qemu-img commit', ['commit', '-q', '-f', 'qcow2', '-d', '-b', f, c]);
  for (const g of grandchildren) await rebaseUnsafe(ctx, g, f);
}

// Header only: `file` reads the same through F as it did through the C merged into it.
const rebaseUnsafe = (ctx: QemuContext, file: string, f: string) =>
  runQemuImg(ctx.qemuImg, 'qemu-img rebase', ['rebase', '-q', '-f', 'qcow2', '-u', '-b', f, '-F', 'qcow2', file]);

// The qcow2 node of `file` in the running VM's graph, if it has one.
async function nodeOf(s: VmSession, file: string): Promise<string | null> {
  const n = (await namedNodes(s)).find((x) => x.drv === 'qcow2' && path.resolve(x.file) === path.resolve(file));
  return n?.['node-name'] ?? null;
}

async function mustNodeOf(s: VmSession, file: string): Promise<string> {
  const n = await nodeOf(s, file);
  if (!n) throw qemuError('block-commit', `VM ${s.id} has ${file}'s overlay open but not ${file} itself`);
  return n;
}
