// Failback's push target (site A): a writable qemu-nbd export of the protected VM's OWN active disk
// (no new layer: only the changed clusters travel), for B's ordinary send. One session per VM; it
// ends by commit, abort or expiry (killed; the VM stays start-blocked: its disk is a mix). Commit
// records the reverse point and resets V's replication bitmaps (in-place-guard.ts, reverse.json).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { conflict } from '@/lib/errors';
import type { InPlaceState, ReceiveSession } from '@/lib/agent-protocol/replication';
import type { VmSpec } from '../driver/types';
import { withDeadline } from '../fs-bounds';
import { imageBitmaps } from '../qemu/backup-img';
import type { QemuContext } from '../qemu/context';
import { runQemuImg } from '../qemu/qemu-img';
import { readReverse, refuseUnlessStopped, writeReverse, type ReverseFile } from './in-place-guard';
import { killNbd, startNbd, waitNbdExit } from './nbd-process';
import { STEP_MS } from './replica-store';
import { bitmapName } from './send-qmp';

const PID_FILE = 'in-place-nbd.pid';
const EXPORT_CLOSE_MS = 30_000;
const CHECK_MS = 10 * 60_000;

type Session = { pointId: string; pid: number; timer: NodeJS.Timeout };
export type InPlaceReceiver = ReturnType<typeof createInPlaceReceiver>;

export function createInPlaceReceiver(ctx: QemuContext, ttlMs: number) {
  const sessions = new Map<string, Session>();
  const pidFile = (spec: VmSpec) => path.join(spec.vmDir, PID_FILE);

  async function clear(spec: VmSpec): Promise<void> {
    const s = sessions.get(spec.id);
    if (s) clearTimeout(s.timer);
    sessions.delete(spec.id);
    await withDeadline(killNbd(pidFile(spec), spec.vmDir), STEP_MS, 'stopping qemu-nbd');
  }

  async function receive(vmId: string, pointId: string, bindHost: string): Promise<ReceiveSession> {
    return ctx.withLock(vmId, async () => {
      const spec = await ctx.vms.must(vmId);
      await refuseUnlessStopped(ctx, spec, 'receive into');
      await clear(spec);
      const rev = await readReverse(spec);
      // Persisted before the first byte can arrive: from here on the disk may be a mix.
      await writeReverse(spec, { ...rev, pendingPointId: pointId });
      const exportName = randomBytes(16).toString('hex');
      const nbd = await startNbd({ file: spec.diskPath, host: bindHost, exportName, pidFile: pidFile(spec) });
      const timer = setTimeout(() => {
        ctx.log(`VM ${vmId}: in-place receive of ${pointId} expired after ${ttlMs} ms; aborting it`);
        void abort(vmId, pointId).catch((err: Error) => ctx.log(`VM ${vmId}: abort failed: ${err.message}`));
      }, ttlMs);
      timer.unref();
      sessions.set(vmId, { pointId, pid: nbd.pid, timer });
      ctx.log(`VM ${vmId}: receiving failback point ${pointId} in place on ${nbd.host}:${nbd.port}`);
      return {
        pointId,
        target: { host: nbd.host, port: nbd.port, export: exportName },
        basePointId: rev.basePointId,
        expiresInMs: ttlMs,
      };
    });
  }

  // Idempotent; another point's live session is left alone. The start block stays.
  async function abort(vmId: string, pointId: string): Promise<void> {
    await ctx.withLock(vmId, async () => {
      const s = sessions.get(vmId);
      if (s && s.pointId !== pointId) return;
      await clear(await ctx.vms.must(vmId));
    });
  }

  async function commit(vmId: string, pointId: string, forwardBasePointId: string | null): Promise<InPlaceState> {
    return ctx.withLock(vmId, async () => {
      const spec = await ctx.vms.must(vmId);
      const s = sessions.get(vmId);
      if (!s || s.pointId !== pointId)
        throw conflict(`no in-place receive of point ${pointId} on VM ${vmId} (expired or aborted?)`, {
          vmId,
          pointId,
        });
      try {
        if (!(await waitNbdExit(s.pid, spec.vmDir, EXPORT_CLOSE_MS)))
          throw conflict(`the sender still holds the export of ${pointId} after ${EXPORT_CLOSE_MS / 1000} s`, {
            vmId,
            pointId,
          });
        const img = (what: string, args: string[]) =>
          withDeadline(runQemuImg(ctx.qemuImg, `qemu-img ${what}`, args), CHECK_MS, `qemu-img ${what}`);
        await img('check', ['check', '-q', '-f', 'qcow2', spec.diskPath]);
        // The disk now holds this site's content at B's instant: A's old counts mean nothing.
        const { bitmaps } = await withDeadline(imageBitmaps(ctx.qemuImg, spec.diskPath), STEP_MS, 'qemu-img info');
        for (const b of bitmaps.filter((x) => x.name.startsWith(bitmapName(''))))
          await img('bitmap', ['bitmap', '--remove', '-f', 'qcow2', spec.diskPath, b.name]);
        if (forwardBasePointId)
          await img('bitmap', ['bitmap', '--add', '-f', 'qcow2', spec.diskPath, bitmapName(forwardBasePointId)]);
      } finally {
        await clear(spec);
      }
      const next: ReverseFile = { format: 1, basePointId: pointId, pendingPointId: null, forwardBasePointId };
      await writeReverse(spec, next);
      ctx.log(`VM ${vmId}: failback point ${pointId} committed in place`);
      return stateOf(next);
    });
  }

  return { receive, abort, commit };
}

export const stateOf = (f: ReverseFile): InPlaceState => ({
  basePointId: f.basePointId,
  forwardBasePointId: f.forwardBasePointId,
  startBlocked: f.pendingPointId !== null,
});
