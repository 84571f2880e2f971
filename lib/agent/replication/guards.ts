// What the ordinary VM machinery asks about replicas (qemu-driver.ts, vms.ts): a replica never
// starts until a failover removes its mark; its directory is not removed while test VMs stand on
// its layers; a test VM's delete drops it from its replica's `tests`.
import { conflict, pointInUse } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { QemuContext } from '../qemu/context';
import { readReplicaFile, updateReplicaFile, type ReplicaFile } from './replica-store';

export function refuseStartOfReplica(spec: VmSpec): void {
  if (!spec.replicaOf) return;
  throw conflict(`VM ${spec.id} is a replica of ${spec.replicaOf.sourceVmId}: a replica starts only by failover`, {
    vmId: spec.id,
    sourceVmId: spec.replicaOf.sourceVmId,
  });
}

export function refuseWhileTested(id: string, file: ReplicaFile): void {
  if (!file.tests.length) return;
  const names = file.tests.map((t) => `${t.vmId} (point ${t.pointId})`).join(', ');
  throw pointInUse(file.tests[0].pointId, `test VMs stand on replica ${id}: ${names}; delete them first`, {
    vmId: id,
    tests: file.tests,
  });
}

export async function refuseUndefineOfTestedReplica(spec: VmSpec): Promise<void> {
  const file = await readReplicaFile(spec.vmDir);
  if (file) refuseWhileTested(spec.id, file);
}

// After a test VM's directory is gone; a replica deleted meanwhile has nothing to update.
export async function dropTestOfReplica(ctx: QemuContext, spec: VmSpec): Promise<void> {
  if (!spec.drTestOf) return;
  const replica = await ctx.vms.find(spec.drTestOf.replicaId);
  if (!replica) return;
  await updateReplicaFile(ctx, replica, (f) => ({ ...f, tests: f.tests.filter((t) => t.vmId !== spec.id) })).catch(
    (err: Error) => ctx.log(`VM ${spec.id}: could not drop it from replica ${replica.id}: ${err.message}`),
  );
}
