// Source side of a live migration, as an agent operation: (storage mode) mirror the disk into the
// target's NBD export until READY, then migrate memory, polling query-migrate into the live
// detail. Until QEMU reports 'completed' every failure or cancel undoes what was started and
// leaves the guest running here. Then the mirror ends (the target resumes once it lets go of the
// export) and the operation succeeds, but this host keeps the paused guest and its disk: only
// the worker, once the target runs the guest, removes them (hand-over.ts), or resumes the guest
// here if the target never ran it.
import path from 'node:path';
import type { z } from 'zod';
import { cancelled, conflict, errorMessage, qemuError } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import type { QemuContext } from '../qemu/context';
import { refuseStorageMigrationWithPoints } from '../snapshots/guards';
import {
  MIRROR_JOB,
  mirrorJob,
  queryMigrate,
  setMigrationCapabilities,
  startMirror,
  stopMirror,
  type QueryMigrate,
} from '../qemu/migration-qmp';
import { diskInfo } from '../qemu/qemu-img';
import type { QmpEvent } from '../qemu/qmp-client';
import type { VmSession } from '../qemu/vm-session';
import type { OperationHandle, Operations } from '../operations';
import type { Operation } from '@/lib/agent-protocol/core';
import {
  DEFAULT_DOWNTIME_LIMIT_MS,
  DEFAULT_MAX_BANDWIDTH_BYTES,
  type MigrateResult,
  type MigrationDetail,
  type migrateRequestSchema,
} from '@/lib/agent-protocol/migration';

type MigrateInput = z.output<typeof migrateRequestSchema>;
type Outgoing = {
  phase: MigrationDetail['phase'];
  cancelRequested: boolean;
  session: VmSession;
  stoppedAt: number | null;
};

const POLL_MS = 200;

// The next poll: after POLL_MS, or as soon as QEMU announces one of these events, so a phase's
// end is seen at once rather than up to 200 ms later (it made migration times jump by that much).
function nextPoll(s: VmSession, events: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const onEvent = (ev: QmpEvent) => events.includes(ev.event) && done();
    const done = () => {
      clearTimeout(t);
      s.qmp.off('event', onEvent);
      resolve();
    };
    const t = setTimeout(done, POLL_MS);
    s.qmp.on('event', onEvent);
  });
}

export function createOutgoingMigrations(ctx: QemuContext, operations: Operations) {
  const active = new Map<string, Outgoing>();

  async function mirror(id: string, st: Outgoing, req: MigrateInput, op: OperationHandle): Promise<number> {
    const s = st.session;
    const spec = await ctx.vms.must(id);
    // 'top' copies only what this disk holds above its image: right only when the target's disk
    // sits on the same image (a restored or flattened disk has none, or another one).
    const own = (await diskInfo(ctx.qemuImg, spec.diskPath)).backingPath;
    const sync =
      own && req.nbd!.backingPath && path.resolve(own) === path.resolve(req.nbd!.backingPath) ? 'top' : 'full';
    await startMirror(s, req.nbd!, sync);
    for (;;) {
      const job = await mirrorJob(s);
      if (st.cancelRequested) throw cancelled(`Migration of VM ${id}`);
      if (!job) throw qemuError('blockdev-mirror', 'the mirror job ended before the disks were in sync');
      const detail: MigrationDetail = {
        phase: 'mirror',
        transferredBytes: job.offset,
        remainingBytes: job.len - job.offset,
        totalBytes: job.len,
        dirtyPagesRate: 0,
        expectedDowntimeMs: null,
      };
      op.report(job.len ? (0.5 * job.offset) / job.len : 0, 'mirroring the disk', detail);
      if (job.ready) return job.len;
      await nextPoll(s, ['BLOCK_JOB_READY', 'BLOCK_JOB_COMPLETED', 'BLOCK_JOB_ERROR']);
    }
  }

  async function memory(
    id: string,
    st: Outgoing,
    req: MigrateInput,
    op: OperationHandle,
    base: number,
  ): Promise<QueryMigrate> {
    const s = st.session;
    st.phase = 'memory';
    if (st.cancelRequested) throw cancelled(`Migration of VM ${id}`);
    await setMigrationCapabilities(s);
    await s.execute('migrate-set-parameters', {
      'max-bandwidth': req.maxBandwidthBytes ?? DEFAULT_MAX_BANDWIDTH_BYTES,
      'downtime-limit': req.downtimeLimitMs ?? DEFAULT_DOWNTIME_LIMIT_MS,
    });
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
      await nextPoll(s, ['MIGRATION']);
    }
  }

  // Back to how it was before: no migration, no mirror, NBD client gone, guest running.
  async function undo(id: string, s: VmSession) {
    const q = await queryMigrate(s).catch(() => null);
    if (q && ['setup', 'active', 'pre-switchover', 'device'].includes(q.status ?? '')) {
      await s.execute('migrate_cancel').catch(() => {});
      for (
        let i = 0;
        i < 100 && ['setup', 'active', 'cancelling', 'device'].includes((await queryMigrate(s)).status ?? '');
        i++
      )
        await sleep(50);
    }
    await stopMirror(s).catch((err) => ctx.log(`VM ${id}: cannot end the mirror: ${errorMessage(err)}`));
    const status = await s.execute<{ status: string; running: boolean }>('query-status');
    if (!status.running) {
      await s.execute('cont');
      ctx.log(`VM ${id}: resumed after the failed migration (was ${status.status})`);
    }
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
    op.report(0.97, 'handing over to the target', {
      phase: 'completing',
      transferredBytes: ram?.transferred ?? 0,
      remainingBytes: 0,
      totalBytes: ram?.total ?? 0,
      dirtyPagesRate: 0,
      expectedDowntimeMs: final.downtime ?? null,
    });
    // The disks are in sync and the guest is stopped here: ending the mirror loses nothing, and
    // the target waits for it before it resumes. Failing to end it fails nothing here: the target
    // then never resumes, and the worker gives the guest back to this host.
    if (req.mode === 'storage')
      await stopMirror(session).catch((err) => ctx.log(`VM ${id}: cannot end the mirror: ${errorMessage(err)}`));
    active.delete(id);
    const stoppedAt = st.stoppedAt ? new Date(st.stoppedAt).toISOString() : null;
    const result: MigrateResult = {
      totalMs: Date.now() - t0,
      downtimeMs: final.downtime ?? 0,
      bytesTransferred: (ram?.transferred ?? 0) + diskBytes,
      diskBytes,
      stoppedAt,
      guestReady: session.guestReady,
    };
    ctx.log(
      `VM ${id}: handed over (${req.mode}) in ${result.totalMs} ms, downtime ${result.downtimeMs} ms, ${result.bytesTransferred} bytes; kept here, paused, until the target runs it`,
    );
    return result;
  }

  return {
    isMigrating: (id: string) => active.has(id),

    async migrate(id: string, req: MigrateInput): Promise<Operation> {
      const session = await ctx.vms.expectSession(id, ['running']);
      if (active.has(id)) throw conflict(`VM ${id} is already migrating`, { vmId: id });
      if (req.mode === 'storage') await refuseStorageMigrationWithPoints(await ctx.vms.must(id));
      const st: Outgoing = {
        phase: req.mode === 'storage' ? 'mirror' : 'memory',
        cancelRequested: false,
        session,
        stoppedAt: null,
      };
      active.set(id, st);
      return operations.start('vm.migrate', `migrating VM ${id} (${req.mode})`, (op) =>
        ctx.withLock(id, () => run(id, st, req, op)),
      );
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
