// Holding several VMs' locks across HTTP calls (a group pause holds them until its capture has
// recorded every point). ctx.withLock queues; a VM whose lock does not come within a moment is
// busy with another operation, and the group call fails rather than wait behind it.
import { conflict } from '@/lib/errors';
import type { QemuContext } from '../qemu/context';

export const LOCK_WAIT_MS = 2_000;

export type Held = { vmId: string; release: () => void };

// Resolves once the lock is held (release() gives it back), or fails after waitMs; the queued turn
// then gives the lock back as soon as it comes.
export async function holdLock(ctx: QemuContext, vmId: string, waitMs = LOCK_WAIT_MS): Promise<Held> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let got!: () => void;
  const acquired = new Promise<void>((r) => (got = r));
  void ctx.withLock(vmId, async () => {
    got();
    await released;
  });
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    acquired.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
  ]);
  clearTimeout(timer);
  if (!inTime) {
    release();
    throw conflict(
      `VM ${vmId} is busy with another operation (snapshot, backup, migration...); try again when it has finished`,
      { vmId },
    );
  }
  return { vmId, release };
}

// Every VM's lock, or none: what was taken is given back when one is busy.
export async function holdLocks(ctx: QemuContext, vmIds: string[], waitMs = LOCK_WAIT_MS): Promise<Held[]> {
  const results = await Promise.allSettled(vmIds.map((id) => holdLock(ctx, id, waitMs)));
  const held = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return held;
  for (const h of held) h.release();
  throw failed.reason;
}

// Runs every task to its end (none is left half-way in the background), then fails with the first
// failure, if any.
export async function settleAll(tasks: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(tasks)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
