// Define (idempotent) and delete of a replica on the target host. Define makes the VM directory in
// the LOCAL pool: replica.json first, then vm.json marked `replicaOf` (so every marked vm.json has
// its replica.json); the boot paths are the agent's own copies (boot-files.ts), never the source's.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { conflict } from '@/lib/errors';
import type { Driver, VmSpec } from '../driver/types';
import type { Operation } from '@/lib/agent-protocol/core';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';
import { saveSpec } from '../qemu/restore-stream';
import { UndoStack } from '../undo';
import type { VmService } from '../vms';
import { refuseWhileTested } from './guards';
import type { Receiver } from './receive';
import {
  findReplica,
  mustReplica,
  notPromoted,
  STEP_MS,
  stateOf,
  writeReplicaFile,
  type ReplicaFile,
} from './replica-store';
import type { z } from 'zod';
import type { defineReplicaRequestSchema, ReplicaState } from '@/lib/agent-protocol/replication';

type DefineInput = z.output<typeof defineReplicaRequestSchema>;
export type ReplicaDeps = { ctx: QemuContext; driver: Driver; vms: VmService; receiver: Receiver };

export async function defineReplica(deps: ReplicaDeps, id: string, req: DefineInput): Promise<ReplicaState> {
  const { ctx } = deps;
  if (req.spec.id !== id) throw conflict(`spec.id ${req.spec.id} is not the replica id ${id}`, { vmId: id });
  return ctx.withLock(id, async () => {
    const existing = await ctx.vms.find(id);
    if (existing) {
      const r = await findReplica(ctx, id);
      if (!r) throw conflict(`VM ${id} is an ordinary VM, not a replica`, { vmId: id });
      if (!r.file.promotedFrom) await followSpec(ctx, r.spec, req.spec);
      return stateOf(id, r.file);
    }
    const pool = ctx.pools.find((p) => p.kind === 'local');
    if (!pool) throw conflict('this host has no local pool for replicas');
    const vmDir = path.join(pool.path, 'vms', id);
    return UndoStack.run(ctx.log, async (undo) => {
      await withDeadline(mkdir(vmDir, { recursive: true }), STEP_MS, `creating ${vmDir}`);
      undo.push(`remove ${vmDir}`, () => rm(vmDir, { recursive: true, force: true }));
      const file: ReplicaFile = {
        format: 1,
        sourceVmId: req.sourceVmId,
        jobId: req.jobId,
        virtualSizeBytes: req.virtualSizeBytes,
        points: [],
        tests: [],
        promotedFrom: null,
      };
      await writeReplicaFile(vmDir, file);
      const spec: VmSpec = {
        id,
        name: req.spec.name,
        vcpus: req.spec.vcpus,
        memoryMiB: req.spec.memoryMiB,
        pool: pool.name,
        vmDir,
        diskPath: path.join(vmDir, 'disk0.qcow2'), // none until a failover makes the active disk
        boot: req.spec.boot.append === undefined ? {} : { append: req.spec.boot.append },
        replicaOf: { sourceVmId: req.sourceVmId, jobId: req.jobId },
      };
      await deps.driver.defineVm(spec);
      ctx.log(`replica ${id} of VM ${req.sourceVmId} defined in pool ${pool.name}`);
      return stateOf(id, file);
    });
  });
}

export async function getReplica(ctx: QemuContext, id: string): Promise<ReplicaState> {
  return stateOf(id, (await mustReplica(ctx, id)).file);
}

// Refused once promoted (an ordinary VM then) and while test VMs stand on its points.
export async function deleteReplica(deps: ReplicaDeps, id: string): Promise<Operation> {
  const r = await mustReplica(deps.ctx, id);
  notPromoted(r, 'be deleted as a replica (delete the VM)');
  refuseWhileTested(id, r.file);
  return deps.vms.begin(id, 'replica.delete', `deleting replica ${id}`, async () => {
    await deps.receiver.clear(await mustReplica(deps.ctx, id));
    await deps.driver.undefineVm(id); // checks the tests again under the VM's lock (guards.ts)
    deps.ctx.log(`replica ${id} deleted`);
    return null;
  });
}

// Every run defines the replica again: it follows the source VM's name, size and kernel command line.
async function followSpec(ctx: QemuContext, spec: VmSpec, want: DefineInput['spec']): Promise<void> {
  const next: VmSpec = {
    ...spec,
    name: want.name,
    vcpus: want.vcpus,
    memoryMiB: want.memoryMiB,
    boot: { ...spec.boot, append: want.boot.append },
  };
  if (JSON.stringify(next) === JSON.stringify(spec)) return;
  await withDeadline(saveSpec(ctx, next), STEP_MS, `writing vm.json of ${spec.id}`);
}
