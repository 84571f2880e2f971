import 'server-only';
import { waitForOperation, type AgentClient, type Operation } from '@/lib/agent-client';
import { pointRecordSchema, type PointRecord } from '@/lib/agent-protocol/snapshots';
import { db } from '@/lib/db/client';
import { VM_STATE_FROM_RUNTIME, type VmState } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { Snapshot, Vm } from '@/lib/generated/prisma/client';
import type { TaskContext } from '../context';

// What the snapshot handlers share: following an agent point operation as task progress and
// steps, registering a point the agent returned complete, deleting one (a merge on the agent)
// and mending the tree, and reading the VM back from its host afterwards.

// The operation's own words become steps when they change (figures aside, so a percentage does not
// add a step per poll); progress is scaled into [from, to], from bytes when the agent reports them
// (range null: the caller reports progress itself, e.g. one step per VM of a schedule run).
export type ProgressRange = { from: number; to: number } | null;
export async function followPointOp(
  ctx: TaskContext,
  agent: AgentClient,
  opId: string,
  range: ProgressRange = { from: 0.1, to: 0.9 },
): Promise<Operation> {
  let chain: Promise<unknown> = Promise.resolve();
  let said = '';
  let last = -1;
  const done = await waitForOperation(
    agent,
    opId,
    (op) => {
      const d = op.detail as { bytesDone?: number; bytesTotal?: number } | null;
      const f = d?.bytesTotal ? Math.min(1, (d.bytesDone ?? 0) / d.bytesTotal) : op.progress;
      if (range && f !== last) {
        last = f;
        chain = chain.then(() => ctx.progress(range.from + (range.to - range.from) * f));
      }
      const shape = op.message.replace(/\d+(\.\d+)?/g, '#');
      if (op.message && shape !== said) {
        said = shape;
        const m = op.message;
        chain = chain.then(() => ctx.step(m));
      }
    },
    { intervalMs: 250, timeoutMs: 30 * 60_000 },
  );
  await chain;
  return done;
}

export type TakeRequest = {
  snapshotId: string;
  name: string;
  description: string | null;
  memory: boolean;
  scheduleId: string | null;
};

export function snapshotData(
  vm: Pick<Vm, 'id' | 'hostId'>,
  p: PointRecord,
  req: Omit<TakeRequest, 'snapshotId' | 'memory'>,
  createdBy: string,
) {
  return {
    id: p.id,
    vmId: vm.id,
    hostId: vm.hostId,
    name: req.name,
    description: req.description,
    memory: p.kind === 'memory',
    parentId: p.parentId,
    groupId: p.groupId,
    scheduleId: req.scheduleId,
    layerBytes: BigInt(Math.round(p.layerBytes)),
    stateBytes: BigInt(Math.round(p.stateBytes)),
    wasRunning: p.wasRunning,
    downtimeMs: p.downtimeMs === null ? null : Math.round(p.downtimeMs),
    pauseMs: p.pauseMs === null ? null : Math.round(p.pauseMs),
    createdBy,
    createdAt: new Date(p.takenAt),
  };
}

// The VM's disk file and state as its host reports them now (its active layer moves with points).
export async function vmFromHost(agent: AgentClient, vmId: string) {
  const rt = await agent.getVm(vmId);
  return { state: VM_STATE_FROM_RUNTIME[rt.state], diskPath: rt.diskPath, guestReady: rt.guestReady };
}

// Takes a point and registers it once the agent returned it complete; "you are here" moves to it.
export async function takeAndRegister(
  ctx: TaskContext,
  agent: AgentClient,
  vm: Vm,
  req: TakeRequest,
  range?: ProgressRange,
): Promise<PointRecord> {
  const op = await agent.takePoint(vm.id, { id: req.snapshotId, kind: req.memory ? 'memory' : 'disk' });
  const point = pointRecordSchema.parse((await followPointOp(ctx, agent, op.id, range)).result);
  await register(agent, vm, point, req, ctx.actor.name);
  return point;
}

export async function register(
  agent: AgentClient,
  vm: Vm,
  point: PointRecord,
  req: Omit<TakeRequest, 'snapshotId' | 'memory'>,
  createdBy: string,
): Promise<void> {
  const now = await vmFromHost(agent, vm.id).catch(() => null);
  await db().$transaction([
    db().snapshot.create({ data: snapshotData(vm, point, req, createdBy) }),
    db().vm.update({
      where: { id: vm.id },
      data: { currentSnapshotId: point.id, ...(now && { diskPath: now.diskPath }) },
    }),
  ]);
}

export const describePoint = (p: PointRecord) =>
  `${p.kind === 'memory' ? 'checkpoint with memory' : 'disk snapshot'} ${p.id}: layer ${p.layerBytes} bytes${p.stateBytes ? `, memory state ${p.stateBytes} bytes` : ''}` +
  `${p.pauseMs !== null ? `, guest paused ${p.pauseMs} ms` : ''}${p.downtimeMs !== null ? ` (QEMU downtime ${p.downtimeMs} ms)` : ''}`;

// Deletes a point on the agent (it merges the layer into its one child) and then its row: its
// children descend from its parent now, and so does the VM if it sat on it. A point the agent no
// longer has is only unregistered. POINT_IN_USE (clones, branch point) is thrown as is.
export async function deleteAndUnregister(
  ctx: TaskContext,
  agent: AgentClient,
  s: Snapshot,
  range?: ProgressRange,
): Promise<void> {
  try {
    const op = await agent.deletePoint(s.vmId, s.id);
    await followPointOp(ctx, agent, op.id, range);
  } catch (err) {
    if (!(noSuchObject.is(err) && /point|snapshot/i.test(String(err.data?.type ?? '')))) throw err;
    await ctx.step(`Snapshot ${s.name} (${s.id}) was no longer on its host; unregistering it`, 'warn');
  }
  const now = await vmFromHost(agent, s.vmId).catch(() => null);
  await db().$transaction(async (tx) => {
    await tx.snapshot.updateMany({ where: { parentId: s.id }, data: { parentId: s.parentId } });
    const vm = await tx.vm.findUnique({ where: { id: s.vmId }, select: { currentSnapshotId: true } });
    if (vm)
      await tx.vm.update({
        where: { id: s.vmId },
        data: {
          ...(vm.currentSnapshotId === s.id && { currentSnapshotId: s.parentId }),
          ...(now && { diskPath: now.diskPath }),
        },
      });
    await tx.snapshot.delete({ where: { id: s.id } });
  });
}

// After a failure the row shows what the host reports, with the reason; the state from before
// the action when the host cannot be asked.
export async function settleVm(
  agent: AgentClient | null,
  vmId: string,
  previous: VmState,
  err: unknown,
  what: string,
): Promise<void> {
  const now = agent ? await vmFromHost(agent, vmId).catch(() => null) : null;
  await db().vm.update({
    where: { id: vmId },
    data: { ...(now ?? { state: previous }), lastError: `${what} failed: ${errorMessage(err)}` },
  });
}
