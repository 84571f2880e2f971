// Commit of a received point (target side): the export must have closed (the source disconnected
// when its copy was complete), the layer is checked, renamed to its final name and recorded; then
// keep-N merges the oldest points (keep-plan.ts). Runs under the replica's lock.
import { rename, rm } from 'node:fs/promises';
import { conflict } from '@/lib/errors';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';
import { diskInfo, runQemuImg } from '../qemu/qemu-img';
import { planKeep, pointsAfter, type KeepStep } from './keep-plan';
import { waitNbdExit } from './nbd-process';
import type { Receiver } from './receive';
import {
  fsyncPath,
  inReplicaDir,
  layerDataBytes,
  layerName,
  mustReplica,
  notPromoted,
  STEP_MS,
  stateOf,
  updateReplicaFile,
  type Replica,
} from './replica-store';
import type { CommitReceiveRequest, ReplicaState } from '@/lib/agent-protocol/replication';

const EXPORT_CLOSE_MS = 30_000;
// qemu-img commit of a large layer moves its data: generous, but never unbounded.
const MERGE_MS = 30 * 60_000;

export async function commitReceive(
  ctx: QemuContext,
  receiver: Receiver,
  id: string,
  pointId: string,
  req: CommitReceiveRequest,
): Promise<ReplicaState> {
  return ctx.withLock(id, async () => {
    const r = await mustReplica(ctx, id);
    notPromoted(r, 'receive points');
    const session = receiver.take(id, pointId);
    const dir = r.spec.vmDir;
    try {
      if (!(await waitNbdExit(session.pid, dir, EXPORT_CLOSE_MS)))
        throw conflict(`the sender still holds the export of ${pointId} after ${EXPORT_CLOSE_MS / 1000} s`, {
          vmId: id,
          pointId,
        });
      await withDeadline(
        runQemuImg(ctx.qemuImg, 'qemu-img check', ['check', '-q', '-f', 'qcow2', session.partial]),
        MERGE_MS,
        'checking the received layer',
      );
    } catch (err) {
      await receiver.clear(r); // the point is not kept: no partial, no export
      throw err;
    }
    const layer = layerName(pointId);
    await withDeadline(rename(session.partial, inReplicaDir(dir, layer)), STEP_MS, `renaming ${layer}`);
    await withDeadline(fsyncPath(dir), STEP_MS, `syncing ${dir}`);
    const layerBytes = await layerDataBytes(ctx.qemuImg, dir, layer);
    const file = await updateReplicaFile(ctx, r.spec, (f) => ({
      ...f,
      points: [...f.points, { id: pointId, layer, ...pointFields(req), layerBytes }],
    }));
    ctx.log(`replica ${id}: point ${pointId} committed (${req.kind}, ${layerBytes} bytes in its layer)`);
    return stateOf(id, await applyKeep(ctx, { spec: r.spec, file }, req.keep));
  });
}

const pointFields = (req: CommitReceiveRequest) => ({
  takenAt: req.takenAt,
  kind: req.kind,
  fullReason: req.fullReason,
  bytesSent: req.bytesSent,
});

// Keeps the newest `keep` points. Each step writes replica.json before the file it obsoletes goes,
// so a crash never leaves a recorded point without its data.
export async function applyKeep(ctx: QemuContext, r: Replica, keep: number) {
  if (r.file.points.length <= keep) return r.file;
  const dir = r.spec.vmDir;
  const standalone = async (layer: string) =>
    (await withDeadline(diskInfo(ctx.qemuImg, inReplicaDir(dir, layer)), STEP_MS, 'qemu-img info')).backingPath ===
    null;
  const candidates = [];
  for (const p of r.file.points) candidates.push({ id: p.id, layer: p.layer, standalone: await standalone(p.layer) });
  const plan = planKeep(candidates, keep, {
    testedPointIds: r.file.tests.map((t) => t.pointId),
    promoted: r.file.promotedFrom !== null,
  });
  if (plan.stoppedBy) ctx.log(`replica ${r.spec.id}: keeps more than ${keep} points: ${plan.stoppedBy}`);
  let file = r.file;
  for (const step of plan.steps) {
    await runStep(ctx, dir, step);
    const layerBytes = step.kind === 'merge' ? await layerDataBytes(ctx.qemuImg, dir, step.base.layer) : 0;
    file = await updateReplicaFile(ctx, r.spec, (f) => {
      const points = pointsAfter(f.points, { steps: [step], stoppedBy: null });
      return { ...f, points: step.kind === 'merge' ? [{ ...points[0], layerBytes }, ...points.slice(1)] : points };
    });
    await removeObsolete(dir, step);
  }
  return file;
}

// The data moves: the second-oldest layer into the oldest file, the third rebased onto that file.
async function runStep(ctx: QemuContext, dir: string, step: KeepStep): Promise<void> {
  if (step.kind === 'drop') return;
  const top = inReplicaDir(dir, step.top.layer);
  await withDeadline(
    runQemuImg(ctx.qemuImg, 'qemu-img commit', ['commit', '-q', '-f', 'qcow2', '-d', top]),
    MERGE_MS,
    `merging ${step.top.layer}`,
  );
  if (step.child)
    await withDeadline(
      runQemuImg(ctx.qemuImg, 'qemu-img rebase', [
        'rebase',
        '-u',
        '-f',
        'qcow2',
        '-b',
        step.base.layer,
        '-F',
        'qcow2',
        inReplicaDir(dir, step.child.layer),
      ]),
      STEP_MS,
      `rebasing ${step.child.layer}`,
    );
}

async function removeObsolete(dir: string, step: KeepStep): Promise<void> {
  const gone = step.kind === 'drop' ? step.point.layer : step.top.layer;
  await withDeadline(rm(inReplicaDir(dir, gone), { force: true }), STEP_MS, `removing ${gone}`);
}
