// Source side of a live migration, as an agent operation: (storage mode) mirror the disk into the
// target's NBD export until READY, then migrate memory, polling query-migrate into the live
// detail. Until QEMU reports 'completed' every failure or cancel undoes what was started and
// leaves the guest running here; from then on the target owns the guest, so the remaining steps
// (end the mirror, quit, remove this host's files) never fail the operation.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { cancelled, conflict, errorMessage, qemuError } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import type { QemuContext } from '../qemu/context';
import { MIRROR_JOB, mirrorJob, queryMigrate, setMigrationCapabilities, startMirror, stopMirror, type QueryMigrate } from '../qemu/migration-qmp';
import { diskInfo } from '../qemu/qemu-img';
import type { VmSession } from '../qemu/vm-session';
import type { OperationHandle, Operations } from '../operations';
import type { Operation } from '../protocol';
import type { MigrateResult, MigrationDetail, migrateRequestSchema } from './protocol';

type MigrateInput = z.output<typeof migrateRequestSchema>;
type Outgoing = { phase: MigrationDetail['phase']; cancelRequested: boolean; session: VmSession; stoppedAt: number | null };

// No throttle unless the caller asks for one (QEMU's own default is 32 MiB/s).
export const DEFAULT_MAX_BANDWIDTH_BYTES = 10 * 1024 ** 3;
export const DEFAULT_DOWNTIME_LIMIT_MS = 300;
const POLL_MS = 200;

export function createOutgoingMigrations(ctx: QemuContext, operations: Operations) {
  const active = new Map<string, Outgoing>();

  async function mirror(id: string, st: Outgoing, req: MigrateInput, op: OperationHandle): Promise<number> {
    const s = st.session;
    const spec = await ctx.vms.must(id);
    // 'top' copies only what this disk holds above its image: right only when the target's disk
    // sits on the same image (a restored or flattened disk has none, or another one).
    const own = (await diskInfo(ctx.qemuImg, spec.diskPath)).backingPath;
    const sync = own && req.nbd!.backingPath && path.resolve(own) === path.resolve(req.nbd!.backingPath) ? 'top' : 'full';
    await startMirror(s, req.nbd!, sync);
    for (;;) {
      const job = await mirrorJob(s);
      if (st.cancelRequested) throw cancelled(`Migration of VM ${id}`);
      if (!job) throw qemuError('blockdev-mirror', 'the mirror job ended before the disks were in sync');
      const detail: MigrationDetail = { phase: 'mirror', transferredBytes: job.offset, remainingBytes: job.len - job.offset, totalBytes: job.len, dirtyPagesRate: 0, expectedDowntimeMs: null };
      op.report(job.len ? (0.5 * job.offset) / job.len : 0, 'mirroring the disk', detail);
      if (job.ready) return job.len;
      await sleep(POLL_MS);
    }
  }

  async function memory(id: string, st: Outgoing, req: MigrateInput, op: OperationHandle, base: number): Promise<QueryMigrate> {
    const s = st.session;
    st.phase = 'memory';
    if (st.cancelRequested) throw cancelled(`Migration of VM ${id}`);
    await setMigrationCapabilities(s);
    await s.execute('migrate-set-parameters', { 'max-bandwidth': req.maxBandwidthBytes ?? DEFAULT_MAX_BANDWIDTH_BYTES, 'downtime-limit': req.downtimeLimitMs ?? DEFAULT_DOWNTIME_LIMIT_MS });
    // The guest's pause starts when the source stops its vCPUs for the switch-over.
    const onStop = (ev: { event: string }) => ev.event === 'STOP' && (st.stoppedAt = Date.now());
    s.qmp.on('event', onStop);
    try {
      await s.execute('migrate', { uri: req.migrationUri });
      return await pollMemory(id, st, op, base);
    } finally {
      s.qmp.off('event', onStop);
    }
  }

  async function pollMemory(id: string, st: Outgoing, op: OperationHandle, base: number): Promise<QueryMigrate> {
    const s = st.session;
    if (st.cancelRequested) await s.execute('migrate_cancel'); // asked while `migrate` was on its way
    for (;;) {
      const q = await queryMigrate(s);
      if (q.status === 'completed') return q;
      if (q.status === 'failed') throw qemuError('migrate', q['error-desc'] ?? 'migration failed');
      if (q.status === 'cancelled') throw cancelled(`Migration of VM ${id}`);
      const ram = q.ram ?? { transferred: 0, remaining: 0, total: 0, 'dirty-pages-rate': 0 };
      const detail: MigrationDetail = {
        phase: 'memory',
        transferredBytes: ram.transferred,
        remainingBytes: ram.remaining,
        totalBytes: ram.total,
        dirtyPagesRate: ram['dirty-pages-rate'],
        expectedDowntimeMs: q['expected-downtime'] ?? null,
      };
      const frac = ram.total ? Math.min(1, (ram.total - ram.remaining) / ram.total) : 0;
      op.report(base + (0.95 - base) * frac, `migrating memory (${q.status})`, detail);
      await sleep(POLL_MS);
    }
  }

  // Back to how it was before: no migration, no mirror, NBD client gone, guest running.
  async function undo(id: string, s: VmSession) {
    const q = await queryMigrate(s).catch(() => null);
    if (q && ['setup', 'active', 'pre-switchover', 'device'].includes(q.status ?? '')) {
      await s.execute('migrate_cancel').catch(() => {});
      for (let i = 0; i < 100 && ['setup', 'active', 'cancelling', 'device'].includes((await queryMigrate(s)).status ?? ''); i++) await sleep(50);
    }
    await stopMirror(s).catch((err) => ctx.log(`VM ${id}: cannot end the mirror: ${errorMessage(err)}`));
    const status = await s.execute<{ status: string; running: boolean }>('query-status');
    if (!status.running) {
      await s.execute('cont');
      ctx.log(`VM ${id}: resumed after the failed migration (was ${status.status})`);
    }
  }

  // The target runs the guest now: only this host's leftovers go (shared mode keeps vm.json and
  // the disk, which the target uses; storage mode removes the VM directory and its disk).
  async function handOver(id: string, st: Outgoing, req: MigrateInput) {
    const s = st.session;
    const spec = await ctx.vms.must(id);
    const paths = ctx.vms.paths(spec);
    if (req.mode === 'storage') await stopMirror(s).catch((err) => ctx.log(`VM ${id}: ending the mirror: ${errorMessage(err)}`));
    s.shutdownReason = 'vmops-kill';
    await s.execute('quit').catch(() => {});
    if (!(await s.waitExit(15_000))) ctx.log(`VM ${id}: source QEMU pid ${s.pid} did not quit after the migration`);
    // Forgotten first; a status poll that read the spec just before may still write exit.json
    // into the directory being removed, hence the retries.
    ctx.vms.forget(id);
    const gone = { recursive: true, force: true, maxRetries: 5, retryDelay: 100 };
    const runFiles = [paths.run, paths.exit, paths.pidFile, paths.serialLog, `${paths.serialLog}.1`, paths.qemuLog, paths.qmpSocket, paths.serialSocket];
    if (req.mode === 'storage') await rm(spec.vmDir, gone);
    else if (paths.runDir !== spec.vmDir) await rm(paths.runDir, gone);
    else await Promise.all(runFiles.map((f) => rm(f, { force: true }))); // run files of the layout before per-host run dirs
    if (paths.socketDir !== paths.runDir) await rm(paths.socketDir, gone);
  }

  async function run(id: string, st: Outgoing, req: MigrateInput, op: OperationHandle): Promise<MigrateResult> {
    const t0 = Date.now();
    const { session } = st;
    let diskBytes = 0;
    let final: QueryMigrate;
    // Under the VM lock now: a stop or delete may have come first.
    if (session.isGone || session.status !== 'running') {
      active.delete(id);
      throw conflict(`VM ${id} is no longer running`, { vmId: id });
    }
    try {
      if (req.mode === 'storage') diskBytes = await mirror(id, st, req, op);
      final = await memory(id, st, req, op, req.mode === 'storage' ? 0.5 : 0);
    } catch (err) {
      await undo(id, session).catch((e) => ctx.log(`VM ${id}: undo after failed migration: ${errorMessage(e)}`));
      active.delete(id);
      throw st.cancelRequested ? cancelled(`Migration of VM ${id}`) : err;
    }
    st.phase = 'completing';
    const ram = final.ram;
    op.report(0.97, 'handing over to the target', { phase: 'completing', transferredBytes: ram?.transferred ?? 0, remainingBytes: 0, totalBytes: ram?.total ?? 0, dirtyPagesRate: 0, expectedDowntimeMs: final.downtime ?? null });
    try {
      await handOver(id, st, req);
    } catch (err) {
      ctx.log(`VM ${id}: clean-up after the migration: ${errorMessage(err)}`);
    } finally {
      active.delete(id);
    }
    const stoppedAt = st.stoppedAt ? new Date(st.stoppedAt).toISOString() : null;
    const result: MigrateResult = { totalMs: Date.now() - t0, downtimeMs: final.downtime ?? 0, bytesTransferred: (ram?.transferred ?? 0) + diskBytes, diskBytes, stoppedAt };
    ctx.log(`VM ${id}: migrated (${req.mode}) in ${result.totalMs} ms, downtime ${result.downtimeMs} ms, ${result.bytesTransferred} bytes`);
    return result;
  }

  return {
    async migrate(id: string, req: MigrateInput): Promise<Operation> {
      const session = await ctx.vms.expectSession(id, ['running']);
      if (active.has(id)) throw conflict(`VM ${id} is already migrating`, { vmId: id });
      const st: Outgoing = { phase: req.mode === 'storage' ? 'mirror' : 'memory', cancelRequested: false, session, stoppedAt: null };
      active.set(id, st);
      return operations.start('vm.migrate', `migrating VM ${id} (${req.mode})`, (op) => ctx.withLock(id, () => run(id, st, req, op)));
    },

    // The operation then fails with CANCELLED once the guest runs on here undisturbed.
    async cancel(id: string): Promise<void> {
      const st = active.get(id);
      if (!st) throw conflict(`VM ${id} has no migration in progress`, { vmId: id });
      if (st.phase === 'completing') throw conflict(`The migration of VM ${id} has already completed`, { vmId: id });
      st.cancelRequested = true;
      if (st.phase === 'memory') await st.session.execute('migrate_cancel');
      else await st.session.execute('block-job-cancel', { device: MIRROR_JOB, force: true }).catch(() => {});
    },
  };
}
