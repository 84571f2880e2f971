// Take one point of one VM (the operation behind POST /v1/vms/:id/points): live with a pause of
// milliseconds (prepare, stop, capture, resume), or with qemu-img when the VM is off.
import type { OperationHandle } from '../operations';
import type { QemuContext } from '../qemu/context';
import { OFF, ON } from '../qemu/vm-registry';
import { capturePaused, preparePoint } from './capture';
import { captureOffline } from './capture-offline';
import { stopVm } from './point-qmp';
import type { PointRecord, TakePointRequest } from '@/lib/agent-protocol/snapshots';

// Precondition: the caller holds ctx.withLock(vmId) (and has checked the capabilities).
export async function takePoint(
  ctx: QemuContext,
  vmId: string,
  req: TakePointRequest,
  op?: OperationHandle,
): Promise<PointRecord> {
  const spec = await ctx.vms.must(vmId);
  const state = (await ctx.vms.runtime(spec)).state;
  if (OFF.includes(state)) {
    op?.report(0.1, 'taking the snapshot of the stopped VM (qemu-img)');
    return captureOffline(ctx, spec, { id: req.id, kind: req.kind, groupId: null });
  }
  const s = await ctx.vms.expectSession(vmId, ON);
  const wasRunning = s.status === 'running';
  op?.report(0.05, 'preparing the new disk layer');
  const prepared = await preparePoint(ctx, spec, s, req.id, req.kind);
  let stoppedAt: number | null = null;
  try {
    if (wasRunning) stoppedAt = await stopVm(s);
  } catch (err) {
    await prepared.discard();
    throw err;
  }
  const c = await capturePaused(ctx, spec, s, {
    id: req.id,
    kind: req.kind,
    groupId: null,
    resume: wasRunning,
    wasRunning,
    stoppedAt,
    prepared,
  });
  if (req.kind === 'memory')
    op?.report(0.2, 'the VM runs again; writing its memory state', {
      pauseMs: c.resumedAt && stoppedAt ? c.resumedAt - stoppedAt : null,
    });
  return c.done;
}
