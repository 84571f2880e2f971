// Receive sessions (target side): one at a time per replica. A session is a `.partial` layer (full:
// no backing; incremental: backed by the newest point's layer, relative name) exported writable by
// qemu-nbd. It ends by commit (commit.ts takes it), abort, or expiry (aborted: the export killed,
// the partial removed). Any new receive first clears what an earlier one (or an agent that died)
// left: the qemu-nbd of nbd.pid and every partial.
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { alreadyExists, conflict } from '@/lib/errors';
import { withDeadline } from '../fs-bounds';
import type { QemuContext } from '../qemu/context';
import { runQemuImg } from '../qemu/qemu-img';
import { killNbd, startNbd } from './nbd-process';
import {
  inReplicaDir,
  mustReplica,
  NBD_PID_FILE,
  notPromoted,
  partialName,
  STEP_MS,
  type Replica,
} from './replica-store';
import type { ReceiveSession } from '@/lib/agent-protocol/replication';

export const RECEIVE_TTL_DEFAULT_MS = 10 * 60_000;
const TTL_MIN_MS = 1_000;
const TTL_MAX_MS = 24 * 3600_000;

// Tests shorten it; anything else keeps the default (bounded either way).
export function receiveTtlMs(env = process.env.VMOPS_REPLICA_RECEIVE_TTL_MS): number {
  const n = Number(env);
  return Number.isInteger(n) && n > 0 ? Math.min(TTL_MAX_MS, Math.max(TTL_MIN_MS, n)) : RECEIVE_TTL_DEFAULT_MS;
}

export type ActiveSession = { replicaId: string; pointId: string; partial: string; pid: number; timer: NodeJS.Timeout };

export type Receiver = ReturnType<typeof createReceiver>;

export function createReceiver(ctx: QemuContext, ttlMs: number) {
  const sessions = new Map<string, ActiveSession>();

  // Kills the export and removes every partial of the replica (an earlier session's leftovers).
  async function clear(r: Replica): Promise<void> {
    const s = sessions.get(r.spec.id);
    if (s) clearTimeout(s.timer);
    sessions.delete(r.spec.id);
    await withDeadline(killNbd(inReplicaDir(r.spec.vmDir, NBD_PID_FILE), r.spec.vmDir), STEP_MS, 'stopping qemu-nbd');
    const names = await withDeadline(readdir(r.spec.vmDir), STEP_MS, `listing ${r.spec.vmDir}`);
    for (const n of names.filter((f) => f.endsWith('.partial')))
      await withDeadline(rm(inReplicaDir(r.spec.vmDir, n), { force: true }), STEP_MS, `removing ${n}`);
  }

  async function receive(
    id: string,
    req: { pointId: string; full: boolean },
    bindHost: string,
  ): Promise<ReceiveSession> {
    return ctx.withLock(id, async () => {
      const r = await mustReplica(ctx, id);
      notPromoted(r, 'receive points');
      if (r.file.points.some((p) => p.id === req.pointId)) throw alreadyExists('replica point', req.pointId);
      const newest = r.file.points.at(-1) ?? null;
      if (!req.full && !newest)
        throw conflict(`replica ${id} has no point yet: the first one must be full`, { vmId: id });
      await clear(r);
      const partial = inReplicaDir(r.spec.vmDir, partialName(req.pointId));
      const base = req.full ? null : newest;
      const size = String(r.file.virtualSizeBytes);
      const backing = base ? ['-b', base.layer, '-F', 'qcow2'] : [];
      await withDeadline(
        runQemuImg(ctx.qemuImg, 'qemu-img create', ['create', '-q', '-f', 'qcow2', ...backing, partial, size]),
        STEP_MS,
        'creating the receive layer',
      );
      const exportName = randomBytes(16).toString('hex');
      const pidFile = inReplicaDir(r.spec.vmDir, NBD_PID_FILE);
      const nbd = await startNbd({ file: partial, host: bindHost, exportName, pidFile }).catch(async (err) => {
        await rm(partial, { force: true });
        throw err;
      });
      const timer = setTimeout(() => {
        ctx.log(`replica ${id}: receive of ${req.pointId} expired after ${ttlMs} ms; aborting it`);
        void abort(id, req.pointId).catch((err: Error) => ctx.log(`replica ${id}: abort failed: ${err.message}`));
      }, ttlMs);
      timer.unref();
      sessions.set(id, { replicaId: id, pointId: req.pointId, partial, pid: nbd.pid, timer });
      ctx.log(`replica ${id}: receiving ${req.pointId} on ${nbd.host}:${nbd.port} (qemu-nbd pid ${nbd.pid})`);
      return {
        pointId: req.pointId,
        target: { host: nbd.host, port: nbd.port, export: exportName },
        basePointId: base?.id ?? null,
        expiresInMs: ttlMs,
      };
    });
  }

  // Idempotent: a session already gone (expired, committed, agent restarted) is no error; another
  // point's live session is left alone.
  async function abort(id: string, pointId: string): Promise<void> {
    await ctx.withLock(id, async () => {
      const r = await mustReplica(ctx, id);
      const s = sessions.get(id);
      if (s && s.pointId !== pointId) return;
      await clear(r);
    });
  }

  // Commit's hand-over (the caller holds the replica's lock): the live session of that point.
  function take(id: string, pointId: string): ActiveSession {
    const s = sessions.get(id);
    if (!s || s.pointId !== pointId)
      throw conflict(`no receive session for point ${pointId} of replica ${id} (expired or aborted?)`, {
        vmId: id,
        pointId,
      });
    clearTimeout(s.timer);
    sessions.delete(id);
    return s;
  }

  return { receive, abort, take, clear, active: (id: string) => sessions.get(id) ?? null };
}
