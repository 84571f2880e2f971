// One replication send from the source (docs/ARCHITECTURE.md, "Disaster recovery"): full or
// incremental by the chain of trust (the persistent bitmap `vmops-repl-<basePointId>` on the
// VM's active disk node), stale replication bitmaps removed, the copy into the target's NBD
// export. Runs as an operation that claims the VM (start/stop/snapshot/migrate answer 409 while
// it runs) and holds its lock.
import { conflict } from '@/lib/errors';
import type { Operation } from '@/lib/agent-protocol/core';
import type { SendRequest, SendResult } from '@/lib/agent-protocol/replication';
import type { OperationHandle } from '../operations';
import { cleanupLeftovers, type DirtyBitmap } from '../qemu/backup-live';
import { requireQemu, type QemuContext } from '../qemu/context';
import type { AgentRouteDeps } from '../route-kit';
import { openBlockEngine, type BlockEngine } from './block-engine';
import { bitmapName, copyToTarget, removeBitmap, replicationBitmaps, SEND_PREFIX } from './send-qmp';

export type SendDecision = { kind: 'full' | 'incremental'; fullReason: string | null };

// Pure: the base bitmap as QEMU reports it (undefined: there is none).
export function decideSend(req: Pick<SendRequest, 'full' | 'basePointId'>, base?: DirtyBitmap): SendDecision {
  const full = (fullReason: string): SendDecision => ({ kind: 'full', fullReason });
  // No base first: the worker asks the first run for a full, and that is the first copy, not a request.
  if (!req.basePointId) return full('first copy of the disk');
  if (req.full) return full('a full copy was asked for');
  const id = req.basePointId;
  if (!base) return full(`no replication bitmap for ${id}: the disk was reverted, restored or moved`);
  if (base.inconsistent)
    return full(`the replication bitmap for ${id} is inconsistent (QEMU or the host stopped without closing the disk)`);
  if (!base.recording) return full(`the replication bitmap for ${id} is not recording`);
  return { kind: 'incremental', fullReason: null };
}

const trustworthy = (b?: DirtyBitmap) => !!b && !b.inconsistent && b.recording;

type Ctx = Pick<QemuContext, 'vms' | 'binary' | 'log'>;

export async function virtualSize(e: BlockEngine): Promise<number> {
  type Node = { 'node-name': string; image: { 'virtual-size': number } };
  const nodes = await e.host.execute<Node[]>('query-named-block-nodes', { flat: true });
  return nodes.find((n) => n['node-name'] === e.diskNode)!.image['virtual-size'];
}

export async function runSend(ctx: Ctx, vmId: string, req: SendRequest, op: OperationHandle): Promise<SendResult> {
  const t0 = Date.now();
  const spec = await ctx.vms.must(vmId);
  const e = await openBlockEngine(ctx, spec);
  try {
    // A job and NBD node a killed agent left in the VM's QEMU (the job may still be copying).
    await cleanupLeftovers(e.host, ctx.log, SEND_PREFIX);
    const bitmaps = await replicationBitmaps(e);
    const baseName = req.basePointId ? bitmapName(req.basePointId) : null;
    const base = bitmaps.find((b) => b.name === baseName);
    if (base?.busy)
      throw conflict(`Replication bitmap "${baseName}" of VM ${vmId} is in use by another block job`, { vmId });
    const decision = decideSend(req, base);
    // Every other replication bitmap is a leftover (older points, sends whose commit never came);
    // a trustworthy base stays even under a full, in case this run is never committed.
    for (const b of bitmaps) {
      if (b.name === baseName && trustworthy(base)) continue;
      ctx.log(`VM ${vmId}: removing stale replication bitmap ${b.name}`);
      await removeBitmap(e, b.name);
    }
    const detail = { kind: decision.kind, fullReason: decision.fullReason, vmWasRunning: e.vmWasRunning };
    const what = `${decision.kind} replication${decision.fullReason ? `: ${decision.fullReason}` : ''}`;
    op.report(0.02, what, detail);
    ctx.log(`VM ${vmId} -> ${req.target.host}:${req.target.port} point ${req.pointId}: ${what}`);
    const { takenAt, bytes } = await copyToTarget(e, {
      target: req.target,
      newBitmap: bitmapName(req.pointId),
      baseBitmap: decision.kind === 'incremental' ? baseName : null,
      onProgress: (done, total) =>
        op.report(0.05 + 0.9 * (total ? done / total : 0), 'copying', {
          ...detail,
          bytesDone: done,
          bytesTotal: total,
        }),
    });
    return {
      pointId: req.pointId,
      ...decision,
      takenAt: takenAt.toISOString(),
      bytesSent: bytes,
      durationMs: Date.now() - t0,
      virtualSizeBytes: await virtualSize(e),
      vmWasRunning: e.vmWasRunning,
    };
  } finally {
    await e.close();
  }
}

type Deps = Pick<AgentRouteDeps, 'driver' | 'vms'>;

// Refusals answer before the 202: no QEMU, no such VM, a replica (it only receives), VM busy.
export async function startSend(deps: Deps, vmId: string, req: SendRequest): Promise<Operation> {
  const ctx = requireQemu(deps.driver, 'Replication');
  const spec = await ctx.vms.must(vmId);
  if (spec.replicaOf) throw conflict(`VM ${vmId} is a replica: it receives, it does not send`, { vmId });
  return deps.vms.begin(vmId, 'replication.send', `replication of VM ${vmId} (point ${req.pointId})`, (op) =>
    ctx.withLock(vmId, () => runSend(ctx, vmId, req, op)),
  );
}
