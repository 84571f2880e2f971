// Failback's pull (site A, the protected VM V stopped): the clusters V's own disk changed since the
// failover point P (its bitmap `vmops-repl-<P>`: the writes between the last run and the crash)
// get B's content back, read from B's read-only export of the promoted replica. In V's
// qemu-storage-daemon: an NBD client node on that export, a temporary bitmap on it filled by a
// cross-node merge of V's bitmap (same virtual size), one `blockdev-backup` remote -> V's disk with
// `sync: bitmap` of it. V's own bitmaps stay (the in-place commit removes them), so a pull whose
// push never commits is simply done again.
import type { Operation } from '@/lib/agent-protocol/core';
import type { PullRequest, PullResult } from '@/lib/agent-protocol/replication';
import type { OperationHandle } from '../operations';
import { cleanupLeftovers } from '../qemu/backup-live';
import { requireQemu, type QemuContext } from '../qemu/context';
import type { AgentRouteDeps } from '../route-kit';
import { openBlockEngine } from './block-engine';
import { refuseUnlessStopped } from './in-place-guard';
import { awaitJob, bitmapName, replicationBitmaps, SEND_PREFIX, withNbdNode } from './send-qmp';
import { virtualSize } from './send';

const PULL_BITMAP = 'vmops-pull';

type Ctx = Pick<QemuContext, 'vms' | 'binary' | 'log'>;

export async function runPull(ctx: Ctx, vmId: string, req: PullRequest, op: OperationHandle): Promise<PullResult> {
  const t0 = Date.now();
  const spec = await ctx.vms.must(vmId);
  await refuseUnlessStopped(ctx, spec, 'pull into');
  const e = await openBlockEngine(ctx, spec); // stopped: a storage daemon, closed below
  try {
    await cleanupLeftovers(e.host, ctx.log, SEND_PREFIX);
    const size = await virtualSize(e);
    const mine = (await replicationBitmaps(e)).find((b) => b.name === bitmapName(req.basePointId));
    const result = (bitmapFound: boolean, bytesPulled: number): PullResult => ({
      basePointId: req.basePointId,
      bitmapFound,
      bytesPulled,
      durationMs: Date.now() - t0,
      virtualSizeBytes: size,
    });
    // After a hard crash the bitmap is marked in-use: its counts cannot be trusted either.
    if (!mine || mine.inconsistent) {
      const why = mine ? 'is inconsistent' : 'is missing';
      ctx.log(`VM ${vmId}: bitmap ${bitmapName(req.basePointId)} ${why}: nothing pulled (the push must be full)`);
      return result(false, 0);
    }
    op.report(0.05, `pulling the ${mine.count} bytes VM ${vmId} wrote since ${req.basePointId}`);
    const bytes = await withNbdNode(e, req.source, { readOnly: true }, async (node) => {
      await e.host.execute('block-dirty-bitmap-add', { node, name: PULL_BITMAP, persistent: false });
      await e.host.execute('block-dirty-bitmap-merge', {
        node,
        target: PULL_BITMAP,
        bitmaps: [{ node: e.diskNode, name: mine.name }],
      });
      await e.host.execute('blockdev-backup', {
        'job-id': node,
        device: node,
        target: e.diskNode,
        sync: 'bitmap',
        bitmap: PULL_BITMAP,
        'bitmap-mode': 'never',
        'auto-dismiss': false,
      });
      return awaitJob(e, node, {
        onProgress: (done, total) =>
          op.report(0.05 + 0.9 * (total ? done / total : 0), 'pulling', { bytesDone: done, bytesTotal: total }),
      });
    });
    ctx.log(`VM ${vmId}: pulled ${bytes} bytes from ${req.source.host}:${req.source.port}`);
    return result(true, bytes);
  } finally {
    await e.close();
  }
}

// Refusals answer before the 202: no QEMU, no such VM, a replica, a running VM.
export async function startPull(
  deps: Pick<AgentRouteDeps, 'driver' | 'vms'>,
  vmId: string,
  req: PullRequest,
): Promise<Operation> {
  const ctx = requireQemu(deps.driver, 'Failback');
  const spec = await ctx.vms.must(vmId);
  await refuseUnlessStopped(ctx, spec, 'pull into');
  return deps.vms.begin(vmId, 'replication.pull', `failback pull into VM ${vmId}`, (op) =>
    ctx.withLock(vmId, () => runPull(ctx, vmId, req, op)),
  );
}
