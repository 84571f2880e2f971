// Test failover (target side): a throwaway VM `spec.id` in the replica's pool whose disk0 is an
// overlay on a point's layer (absolute backing path), the replica's vcpus/memory/boot copies, no
// network device (vmops VMs have none), started. Recorded in replica.json `tests` before it
// starts, so pruning and failover leave its point alone; its ordinary VM delete drops it again.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { conflict, noSuchObject } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { Operation, VmRuntime } from '@/lib/agent-protocol/core';
import { ON } from '../qemu/vm-registry';
import { createLayer } from '../snapshots/capture';
import { UndoStack } from '../undo';
import { step } from '../vms';
import type { ReplicaDeps } from './define';
import { inReplicaDir, mustReplica, updateReplicaFile, type Replica } from './replica-store';
import type { TestFailoverRequest } from '@/lib/agent-protocol/replication';

function pointOf(r: Replica, pointId: string) {
  const point = r.file.points.find((p) => p.id === pointId);
  if (!point) throw noSuchObject('replica point', pointId);
  return point;
}

export async function testFailover(deps: ReplicaDeps, id: string, req: TestFailoverRequest): Promise<Operation> {
  const { ctx, driver } = deps;
  const r = await mustReplica(ctx, id);
  pointOf(r, req.pointId);
  const { kernelPath, initrdPath } = r.spec.boot;
  if (!kernelPath || !initrdPath) throw conflict(`replica ${id} has no copy of the VM's boot files yet`, { vmId: id });
  const { vmDir } = await deps.vms.checkNewVm({
    id: req.spec.id,
    pool: r.spec.pool,
    memoryMiB: r.spec.memoryMiB,
    boot: r.spec.boot,
    start: true,
  });
  const spec: VmSpec = {
    id: req.spec.id,
    name: req.spec.name,
    vcpus: r.spec.vcpus,
    memoryMiB: r.spec.memoryMiB,
    pool: r.spec.pool,
    vmDir,
    diskPath: path.join(vmDir, 'disk0.qcow2'),
    boot: r.spec.boot,
    drTestOf: { replicaId: id, pointId: req.pointId },
  };
  const message = `test failover of replica ${id} at ${req.pointId} as VM ${spec.id}`;
  return deps.vms.begin(spec.id, 'replica.test', message, () =>
    UndoStack.run(ctx.log, async (undo): Promise<VmRuntime> => {
      // Under the replica's lock: a commit's pruning or a failover sees the test, or ran before.
      await ctx.withLock(id, async () => {
        const current = await mustReplica(ctx, id);
        const layer = inReplicaDir(current.spec.vmDir, pointOf(current, req.pointId).layer);
        await mkdir(vmDir, { recursive: true });
        undo.push(`remove ${vmDir}`, () => rm(vmDir, { recursive: true, force: true }));
        await step('create the test disk', () =>
          createLayer(ctx.qemuImg, layer, spec.diskPath, current.file.virtualSizeBytes),
        );
        await updateReplicaFile(ctx, current.spec, (f) => ({
          ...f,
          tests: [...f.tests, { vmId: spec.id, pointId: req.pointId }],
        }));
        undo.push(`drop test ${spec.id} from replica ${id}`, () =>
          updateReplicaFile(ctx, current.spec, (f) => ({ ...f, tests: f.tests.filter((t) => t.vmId !== spec.id) })),
        );
        await step('define VM', () => driver.defineVm(spec));
        undo.push(`undefine VM ${spec.id}`, () => driver.undefineVm(spec.id));
      });
      undo.push(`kill VM ${spec.id}`, async () => {
        const state = (await driver.getVm(spec.id))?.state;
        if (state && ON.includes(state)) await driver.killVm(spec.id);
      });
      const vm = await step('start VM', () => driver.startVm(spec.id));
      ctx.log(`VM ${spec.id}: DR test copy of replica ${id} at ${req.pointId} (isolated: no network device)`);
      return vm;
    }),
  );
}
