// Snapshot/checkpoint operations behind the agent routes. Everything that can be refused at once
// (no QEMU, no VM, no such point, a capability "no" with its reason, a point others depend on)
// answers before the 202; the work runs as an operation that claims the VM like start/stop do
// (one long operation per VM: a second is 409) and holds the VM's lock.
import { pointUnsupported } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import { requireQemu, type QemuContext } from '../qemu/context';
import type { AgentRouteDeps } from '../route-kit';
import type { Operation } from '@/lib/agent-protocol/core';
import { noCapabilities, pointCapabilities, pointCapability, QEMU_NEEDED } from './capabilities';
import { assertNewPoint } from './capture';
import { deletePoint, planDelete } from './delete';
import { clonesOf, mustFindPoint, readPoints } from './points-store';
import type { PointCapabilities, TakePointRequest, VmPoints } from '@/lib/agent-protocol/snapshots';
import { revertPoint } from './revert';
import { takePoint } from './take';

type Deps = Pick<AgentRouteDeps, 'driver' | 'vms'>;

export type SnapshotService = ReturnType<typeof createSnapshotService>;

export function createSnapshotService(deps: Deps) {
  const qemu = () => requireQemu(deps.driver, 'Snapshots and checkpoints');
  // Asked before the 202 (the refusal is the answer) and again under the VM's lock (a migration
  // or a block job may have started meanwhile).
  const allowed = async (ctx: QemuContext, spec: VmSpec, what: keyof PointCapabilities, locked = false) => {
    const c = await pointCapability(ctx, spec, what, { locked });
    if (!c.ok) throw pointUnsupported(spec.id, what, c.reason ?? 'not possible now');
  };
  // The operation's work, under the lock, on the spec as it is then.
  const locked = <T>(
    ctx: QemuContext,
    vmId: string,
    what: keyof PointCapabilities,
    work: (spec: VmSpec) => Promise<T>,
  ) =>
    ctx.withLock(vmId, async () => {
      const spec = await ctx.vms.must(vmId);
      await allowed(ctx, spec, what, true);
      return work(spec);
    });

  return {
    async list(vmId: string): Promise<VmPoints> {
      if (!deps.driver.qemu) {
        await deps.vms.getVm(vmId); // 404 for an unknown VM
        return { points: [], currentId: null, capabilities: noCapabilities(QEMU_NEEDED), clones: [], linkedTo: null };
      }
      const ctx = deps.driver.qemu;
      const spec = await ctx.vms.must(vmId);
      const file = await readPoints(spec);
      const [capabilities, clones] = await Promise.all([pointCapabilities(ctx, spec), clonesOf(ctx, vmId)]);
      return { points: file.points, currentId: file.currentId, capabilities, clones, linkedTo: spec.linkedTo ?? null };
    },

    async take(vmId: string, req: TakePointRequest): Promise<Operation> {
      const ctx = qemu();
      const spec = await ctx.vms.must(vmId);
      await allowed(ctx, spec, req.kind);
      await assertNewPoint(spec, req.id);
      const what = req.kind === 'memory' ? 'checkpoint with memory' : 'snapshot';
      return deps.vms.begin(vmId, 'snapshot.take', `${what} ${req.id} of VM ${vmId}`, (op) =>
        locked(ctx, vmId, req.kind, () => takePoint(ctx, vmId, req, op)),
      );
    },

    async revert(vmId: string, pointId: string): Promise<Operation> {
      const ctx = qemu();
      const spec = await ctx.vms.must(vmId);
      mustFindPoint(await readPoints(spec), pointId);
      await allowed(ctx, spec, 'revert');
      return deps.vms.begin(vmId, 'snapshot.revert', `revert VM ${vmId} to ${pointId}`, () =>
        locked(ctx, vmId, 'revert', (current) => revertPoint(ctx, current, pointId, { resume: true })),
      );
    },

    async delete(vmId: string, pointId: string): Promise<Operation> {
      const ctx = qemu();
      const spec = await ctx.vms.must(vmId);
      await planDelete(ctx, spec, pointId);
      // Same conditions as a revert: no migration, no other block job on the chain.
      await allowed(ctx, spec, 'revert');
      return deps.vms.begin(vmId, 'snapshot.delete', `delete ${pointId} of VM ${vmId}`, (op) =>
        locked(ctx, vmId, 'revert', async (current) => {
          await deletePoint(ctx, current, pointId, op);
          return null;
        }),
      );
    },
  };
}
