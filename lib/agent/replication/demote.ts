// Failback's last step on site B: the promoted replica, stopped after the final reverse run, becomes
// a replica again. Its active disk (equal to the protected VM's disk at that run) is frozen as the
// newest point `pointId`, so the next forward run is incremental from it; vm.json is start-blocked
// again and promotedFrom cleared. Order: start block first, then the file, then the record.
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, conflict, vmBadPowerState } from '@/lib/errors';
import type { ReplicaState } from '@/lib/agent-protocol/replication';
import { imageBitmaps } from '../qemu/backup-img';
import { withDeadline } from '../fs-bounds';
import { runQemuImg } from '../qemu/qemu-img';
import { saveSpec } from '../qemu/restore-stream';
import { OFF, ON } from '../qemu/vm-registry';
import type { ReplicaDeps } from './define';
import {
  fsyncPath,
  inReplicaDir,
  layerDataBytes,
  layerName,
  mustReplica,
  STEP_MS,
  stateOf,
  updateReplicaFile,
} from './replica-store';
import { bitmapName } from './send-qmp';

export async function demote(deps: ReplicaDeps, id: string, pointId: string): Promise<ReplicaState> {
  const { ctx } = deps;
  return ctx.withLock(id, async () => {
    const r = await mustReplica(ctx, id);
    if (!r.file.promotedFrom) throw conflict(`replica ${id} was never failed over: nothing to demote`, { vmId: id });
    if (r.file.points.some((p) => p.id === pointId)) throw alreadyExists('replica point', pointId);
    const state = (await ctx.vms.runtime(r.spec)).state;
    if (ON.includes(state)) throw vmBadPowerState(id, OFF, state);
    const dir = r.spec.vmDir;
    const disk = r.spec.diskPath;
    const layer = layerName(pointId);
    const img = (args: string[]) => withDeadline(runQemuImg(ctx.qemuImg, 'qemu-img bitmap', args), STEP_MS, 'bitmap');
    // A frozen layer counts nothing; the next failover adds its own bitmap on a new overlay.
    const { bitmaps } = await withDeadline(imageBitmaps(ctx.qemuImg, disk), STEP_MS, 'qemu-img info');
    for (const b of bitmaps.filter((x) => x.name.startsWith(bitmapName(''))))
      await img(['bitmap', '--remove', '-f', 'qcow2', disk, b.name]);
    await withDeadline(
      saveSpec(ctx, {
        ...r.spec,
        diskPath: path.join(dir, 'disk0.qcow2'), // as defined: none until a failover
        replicaOf: { sourceVmId: r.file.sourceVmId, jobId: r.file.jobId },
      }),
      STEP_MS,
      `writing vm.json of ${id}`,
    );
    await withDeadline(rename(disk, inReplicaDir(dir, layer)), STEP_MS, `renaming ${layer}`);
    await withDeadline(fsyncPath(dir), STEP_MS, `syncing ${dir}`);
    const layerBytes = await layerDataBytes(ctx.qemuImg, dir, layer);
    const file = await updateReplicaFile(ctx, r.spec, (f) => ({
      ...f,
      points: [
        ...f.points,
        {
          id: pointId,
          layer,
          takenAt: new Date().toISOString(),
          kind: 'incremental' as const,
          fullReason: null,
          bytesSent: 0, // it travelled as the reverse runs
          layerBytes,
        },
      ],
      promotedFrom: null,
    }));
    ctx.log(`replica ${id}: demoted; its disk is point ${pointId} (${layerBytes} bytes in its layer)`);
    return stateOf(id, file);
  });
}
