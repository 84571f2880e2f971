// Linked clone (docs/ARCHITECTURE.md, "Snapshots and checkpoints"): a new VM in the parent's pool
// whose disk0.qcow2 is an overlay on the point's frozen layer, so no data is copied. vm.json
// records linkedTo; the parent's point cannot be deleted (and the parent not undefined) while it
// is there. The point's memory state is not used: a clone boots (two VMs resuming one memory
// image would share MAC addresses and identity).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { pointUnsupported } from '@/lib/errors';
import type { Driver, VmSpec } from '../driver/types';
import type { Operation, VmRuntime } from '@/lib/agent-protocol/core';
import { requireQemu, type QemuContext } from '../qemu/context';
import { diskInfo } from '../qemu/qemu-img';
import { ON } from '../qemu/vm-registry';
import { UndoStack } from '../undo';
import { step, type VmService } from '../vms';
import { pointCapabilities } from './capabilities';
import { createLayer } from './capture';
import { inVmDir, mustFindPoint, readPoints } from './points-store';
import type { cloneRequestSchema } from '@/lib/agent-protocol/snapshots';

export type CloneInput = z.output<typeof cloneRequestSchema>;
export type CloneDeps = { driver: Driver; vms: VmService; log: (msg: string) => void };

const CLONE_DISK = 'disk0.qcow2';

// The point's frozen layer (absolute path), checked against the parent's points.json.
async function pointLayer(ctx: QemuContext, parentId: string, pointId: string): Promise<string> {
  const parent = await ctx.vms.must(parentId);
  return inVmDir(parent, mustFindPoint(await readPoints(parent), pointId).layer);
}

// Checks answer before the 202 (no such VM or point, id taken, no room, no memory to start).
export async function cloneFromPoint(
  deps: CloneDeps,
  parentId: string,
  pointId: string,
  req: CloneInput,
): Promise<Operation> {
  const ctx = requireQemu(deps.driver, 'Linked clones');
  const parent = await ctx.vms.must(parentId);
  await pointLayer(ctx, parentId, pointId);
  const cap = (await pointCapabilities(ctx, parent)).clone;
  if (!cap.ok) throw pointUnsupported(parentId, 'be cloned', cap.reason ?? 'not possible now');
  const { vmDir } = await deps.vms.checkNewVm({ ...req.vm, pool: parent.pool, start: req.start });
  const spec: VmSpec = {
    ...req.vm,
    pool: parent.pool,
    vmDir,
    diskPath: path.join(vmDir, CLONE_DISK),
    linkedTo: { vmId: parentId, pointId },
  };
  const message = `linked clone ${spec.id} of VM ${parentId} at snapshot ${pointId}`;
  return deps.vms.begin(spec.id, 'vm.clone', message, () => runClone(deps, ctx, spec, req.start));
}

async function runClone(deps: CloneDeps, ctx: QemuContext, spec: VmSpec, start: boolean): Promise<VmRuntime> {
  const { driver, log } = deps;
  const { vmId: parentId, pointId } = spec.linkedTo!;
  return UndoStack.run(log, async (undo) => {
    // Under the parent's lock: a point delete or an undefine of the parent (which look for clones
    // first) either ran before, or sees this clone's vm.json.
    await ctx.withLock(parentId, async () => {
      const layer = await pointLayer(ctx, parentId, pointId);
      await mkdir(spec.vmDir, { recursive: true });
      undo.push(`remove ${spec.vmDir}`, () => rm(spec.vmDir, { recursive: true, force: true }));
      await step('create the clone disk', async () =>
        createLayer(ctx.qemuImg, layer, spec.diskPath, (await diskInfo(ctx.qemuImg, layer)).virtualSizeBytes),
      );
      await step('define VM', () => driver.defineVm(spec));
      undo.push(`undefine VM ${spec.id}`, () => driver.undefineVm(spec.id));
    });
    log(`VM ${spec.id}: linked clone of VM ${parentId} at snapshot ${pointId} (${spec.diskPath})`);
    if (!start) return (await driver.getVm(spec.id))!;
    undo.push(`kill VM ${spec.id}`, async () => {
      const state = (await driver.getVm(spec.id))?.state;
      if (state && ON.includes(state)) await driver.killVm(spec.id);
    });
    return step('start VM', () => driver.startVm(spec.id));
  });
}
