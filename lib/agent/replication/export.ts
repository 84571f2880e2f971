// Failback's read-only export (site B): the promoted replica's active disk served over NBD for A's
// pull. Running VM: its own QEMU (`nbd-server-start` + `block-export-add` on the active node, so
// the guest keeps writing and the export shows the live content); stopped: a qemu-storage-daemon
// on the disk (block-engine.ts; it holds the image lock, so the VM cannot start meanwhile). Ended
// by DELETE or after the expiry, whatever happens.
import { randomBytes } from 'node:crypto';
import { conflict } from '@/lib/errors';
import type { ExportSession } from '@/lib/agent-protocol/replication';
import { freePort } from '@/lib/net/free-port';
import type { QemuContext } from '../qemu/context';
import { openBlockEngine, type BlockEngine } from './block-engine';
import { virtualSize } from './send';

export const EXPORT_TTL_DEFAULT_MS = 10 * 60_000;

type Session = { vmId: string; engine: BlockEngine; timer: NodeJS.Timeout };
export type Exporter = ReturnType<typeof createExporter>;

export function createExporter(ctx: QemuContext) {
  const sessions = new Map<string, Session>();

  async function end(exportId: string): Promise<void> {
    const s = sessions.get(exportId);
    if (!s) return;
    sessions.delete(exportId);
    clearTimeout(s.timer);
    // A VM stopped meanwhile took its NBD server with it: nothing left to end there.
    await s.engine.host.execute('block-export-del', { id: exportId, mode: 'hard' }).catch(() => {});
    await s.engine.host.execute('nbd-server-stop').catch(() => {});
    await s.engine.close();
    ctx.log(`VM ${s.vmId}: export ${exportId} ended`);
  }

  async function start(vmId: string, bindHost: string, ttlMs = EXPORT_TTL_DEFAULT_MS): Promise<ExportSession> {
    return ctx.withLock(vmId, async () => {
      const spec = await ctx.vms.must(vmId);
      if (spec.replicaOf) throw conflict(`VM ${vmId} is a replica that was never failed over: nothing to export`);
      if ([...sessions.values()].some((s) => s.vmId === vmId))
        throw conflict(`VM ${vmId} already has a failback export open`, { vmId });
      const engine = await openBlockEngine(ctx, spec);
      const exportId = `exp-${randomBytes(6).toString('hex')}`;
      const name = randomBytes(16).toString('hex');
      let serving = false; // a server that was already there (a migration's) is not ours to stop
      try {
        const port = await freePort(bindHost);
        await engine.host
          .execute('nbd-server-start', { addr: { type: 'inet', data: { host: bindHost, port: String(port) } } })
          .catch((err: Error) => {
            throw conflict(`VM ${vmId}'s QEMU cannot serve NBD now (a migration?): ${err.message}`, { vmId });
          });
        serving = true;
        await engine.host.execute('block-export-add', {
          type: 'nbd',
          id: exportId,
          'node-name': engine.diskNode,
          name,
          writable: false,
        });
        const timer = setTimeout(() => {
          ctx.log(`VM ${vmId}: export ${exportId} expired after ${ttlMs} ms`);
          void end(exportId).catch((err: Error) => ctx.log(`VM ${vmId}: ending ${exportId} failed: ${err.message}`));
        }, ttlMs);
        timer.unref();
        sessions.set(exportId, { vmId, engine, timer });
        ctx.log(`VM ${vmId}: read-only export ${exportId} on ${bindHost}:${port}`);
        return {
          exportId,
          target: { host: bindHost, port, export: name },
          virtualSizeBytes: await virtualSize(engine),
          expiresInMs: ttlMs,
        };
      } catch (err) {
        if (serving) await engine.host.execute('nbd-server-stop').catch(() => {});
        await engine.close();
        throw err;
      }
    });
  }

  // Idempotent: an export already ended (expired, agent restarted) is no error.
  const stop = async (vmId: string, exportId: string) => {
    if (sessions.get(exportId)?.vmId === vmId) await end(exportId);
  };

  return { start, stop };
}
