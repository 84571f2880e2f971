// Failover (target side): the replica becomes a VM. Points newer than the chosen one are dropped
// (their layers deleted), a new active disk-<hex>.qcow2 overlays the point's layer with an empty
// persistent bitmap vmops-repl-<pointId> (it counts this site's writes since the common point,
// for a later failback), vm.json loses its start block, and the VM starts on its boot copies.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { conflict, noSuchObject, pointInUse } from '@/lib/errors';
import type { Operation } from '@/lib/agent-protocol/core';
import { withDeadline } from '../fs-bounds';
import { runQemuImg } from '../qemu/qemu-img';
import { saveSpec } from '../qemu/restore-stream';
import { createLayer } from '../snapshots/capture';
import { step } from '../vms';
import type { ReplicaDeps } from './define';
import { inReplicaDir, mustReplica, notPromoted, STEP_MS, updateReplicaFile, type Replica } from './replica-store';
import type { FailoverResult } from '@/lib/agent-protocol/replication';

export const replicationBitmap = (pointId: string) => `vmops-repl-${pointId}`;

// Checks that answer before the 202 (and again under the lock).
function checkFailover(r: Replica, pointId: string, start: boolean) {
  notPromoted(r, 'fail over again');
  const i = r.file.points.findIndex((p) => p.id === pointId);
  if (i < 0) throw noSuchObject('replica point', pointId);
  const dropped = new Set(r.file.points.slice(i + 1).map((p) => p.id));
  const blocking = r.file.tests.filter((t) => dropped.has(t.pointId));
  if (blocking.length)
    throw pointInUse(
      blocking[0].pointId,
      `test VMs stand on points newer than ${pointId}: ${blocking.map((t) => t.vmId).join(', ')}; delete them first`,
      { tests: blocking },
    );
  if (start && (!r.spec.boot.kernelPath || !r.spec.boot.initrdPath))
    throw conflict(`replica ${r.spec.id} has no copy of the VM's boot files yet`, { vmId: r.spec.id });
  return { point: r.file.points[i], dropped: r.file.points.slice(i + 1) };
}

export async function failover(
  deps: ReplicaDeps,
  id: string,
  req: { pointId: string; start: boolean },
): Promise<Operation> {
  const { ctx, driver } = deps;
  checkFailover(await mustReplica(ctx, id), req.pointId, req.start);
  return deps.vms.begin(id, 'replica.failover', `failover of replica ${id} to ${req.pointId}`, async (op) => {
    await ctx.withLock(id, async () => {
      const r = await mustReplica(ctx, id);
      const { point, dropped } = checkFailover(r, req.pointId, req.start);
      await deps.receiver.clear(r); // a run in flight is over: its partial and export go
      const dir = r.spec.vmDir;
      const disk = inReplicaDir(dir, `disk-${randomBytes(6).toString('hex')}.qcow2`);
      op.report(0.2, `creating the active disk on ${point.id}`);
      await step('create the active disk', () =>
        createLayer(ctx.qemuImg, inReplicaDir(dir, point.layer), disk, r.file.virtualSizeBytes),
      );
      await withDeadline(
        runQemuImg(ctx.qemuImg, 'qemu-img bitmap', ['bitmap', '--add', disk, replicationBitmap(point.id)]),
        STEP_MS,
        'adding the replication bitmap',
      );
      // vm.json (new disk, start block lifted), then the record; dropped layers go last, so a
      // crash in between leaves only unused files, never a recorded point without its layer.
      const { replicaOf: _mark, ...rest } = r.spec;
      await saveSpec(ctx, { ...rest, diskPath: disk });
      await updateReplicaFile(ctx, r.spec, (f) => ({
        ...f,
        points: f.points.slice(0, f.points.findIndex((p) => p.id === point.id) + 1),
        promotedFrom: point.id,
      }));
      for (const p of dropped) await rm(inReplicaDir(dir, p.layer), { force: true });
      ctx.log(`replica ${id}: failed over to ${point.id} (${dropped.length} newer point(s) dropped)`);
    });
    if (req.start) {
      op.report(0.6, `starting VM ${id}`);
      await step('start VM', () => driver.startVm(id));
    }
    const result: FailoverResult = { runtime: (await driver.getVm(id))!, pointId: req.pointId };
    return result;
  });
}
