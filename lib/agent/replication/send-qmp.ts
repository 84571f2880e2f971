// The QMP side of one replication send (docs/ARCHITECTURE.md, "Disaster recovery"): the bitmaps
// of the chain of trust, and the copy itself: an NBD client node to the target's export, then ONE
// transaction that starts the new point's bitmap and the backup job (its instant is the point in
// time), the job waited for whole, the node removed (the target's qemu-nbd then exits).
import { randomBytes } from 'node:crypto';
import type { NbdTarget } from '@/lib/agent-protocol/replication';
import { finishJob, nodeBitmaps, waitJob, type DirtyBitmap } from '../qemu/backup-live';
import type { BlockEngine } from './block-engine';

// Job ids and NBD node names: a restarted agent finds its leftovers by this prefix.
export const SEND_PREFIX = 'vmops-send-';
const BITMAP_PREFIX = 'vmops-repl-';
// A target that stops taking writes (site link down, qemu-nbd gone) fails the send after this.
export const STALL_MS = 60_000;

export const bitmapName = (pointId: string) => `${BITMAP_PREFIX}${pointId}`;

export async function replicationBitmaps(e: BlockEngine): Promise<DirtyBitmap[]> {
  return (await nodeBitmaps(e.host, e.diskNode)).filter((b) => b.name.startsWith(BITMAP_PREFIX));
}

export async function removeBitmap(e: BlockEngine, name: string): Promise<void> {
  await e.host.execute('block-dirty-bitmap-remove', { node: e.diskNode, name });
}

export type CopyOptions = {
  target: NbdTarget;
  newBitmap: string;
  baseBitmap: string | null; // null: full copy
  onProgress: (done: number, total: number) => void;
  stallMs?: number;
};

// An NBD client node on `target` for the length of fn (its removal closes the connection).
export async function withNbdNode<T>(
  e: BlockEngine,
  target: NbdTarget,
  opts: { readOnly: boolean },
  fn: (node: string) => Promise<T>,
): Promise<T> {
  const node = `${SEND_PREFIX}${randomBytes(6).toString('hex')}`;
  const { host, port, export: name } = target;
  await e.host.execute('blockdev-add', {
    driver: 'nbd',
    'node-name': node,
    server: { type: 'inet', host, port: String(port) },
    export: name,
    'read-only': opts.readOnly,
  });
  try {
    return await fn(node);
  } finally {
    await e.host.execute('blockdev-del', { 'node-name': node }).catch(() => {});
  }
}

// A started job waited for whole (stalled: fails), then dismissed: its total bytes.
export async function awaitJob(e: BlockEngine, id: string, o: Pick<CopyOptions, 'onProgress' | 'stallMs'>) {
  try {
    return (await waitJob(e.host, id, o.onProgress, o.stallMs ?? STALL_MS))['total-progress'];
  } finally {
    await finishJob(e.host, id).catch(() => {});
  }
}

export async function copyToTarget(e: BlockEngine, o: CopyOptions): Promise<{ takenAt: Date; bytes: number }> {
  return withNbdNode(e, o.target, { readOnly: false }, async (id) => {
    const job = {
      'job-id': id,
      device: e.diskNode,
      target: id,
      'auto-dismiss': false,
      // bitmap-mode never: the base bitmap keeps counting from its point, so a send whose commit
      // never happens is simply sent again from the same base.
      ...(o.baseBitmap ? { sync: 'bitmap', bitmap: o.baseBitmap, 'bitmap-mode': 'never' } : { sync: 'full' }),
    };
    await e.host.execute('transaction', {
      actions: [
        { type: 'block-dirty-bitmap-add', data: { node: e.diskNode, name: o.newBitmap, persistent: true } },
        { type: 'blockdev-backup', data: job },
      ],
    });
    const takenAt = new Date();
    try {
      return { takenAt, bytes: await awaitJob(e, id, o) };
    } catch (err) {
      // The new point never reached the target whole: its bitmap must not be trusted.
      await removeBitmap(e, o.newBitmap).catch(() => {});
      throw err;
    }
  });
}
