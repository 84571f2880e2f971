// Source side after QEMU completed an outgoing migration: the guest is stopped here
// ('postmigrate') and the disk kept, until the worker says how it ended. finish: the target runs
// the guest, so this host's copy goes (storage: the VM directory with its disk; shared: this
// host's run files). resume: the target never ran it (and has removed its copy), so the guest
// continues here. Both read QEMU's own run state, so they work after an agent restart too.
import { rm } from 'node:fs/promises';
import { conflict, errorMessage } from '@/lib/errors';
import type { QemuContext } from '../qemu/context';
import { stopMirror } from '../qemu/migration-qmp';
import type { VmSession } from '../qemu/vm-session';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import type { MigrationMode, OutgoingStatus } from '@/lib/agent-protocol/migration';

type RunState = { status: string; running: boolean };
const HANDED_OVER = 'postmigrate';

export function createHandOver(ctx: QemuContext, isMigrating: (id: string) => boolean) {
  const runState = (s: VmSession) => s.execute<RunState>('query-status');

  async function status(id: string): Promise<OutgoingStatus> {
    if (isMigrating(id)) return { state: 'migrating' };
    const s = await ctx.vms.session(await ctx.vms.must(id));
    return { state: s && (await runState(s)).status === HANDED_OVER ? 'handed-over' : 'none' };
  }

  // Idempotent: a VM this host no longer knows has been removed before. Refused while the guest
  // could still be running here (a live QEMU that is not handed over, or one QMP cannot reach).
  async function finish(id: string, mode: MigrationMode): Promise<void> {
    await ctx.withLock(id, async () => {
      if (isMigrating(id)) throw conflict(`VM ${id} is still migrating`, { vmId: id });
      const spec = await ctx.vms.find(id);
      if (!spec) return;
      const paths = ctx.vms.paths(spec);
      if (await ctx.vms.liveRun(spec)) {
        const s = await ctx.vms.session(spec);
        const st = s ? (await runState(s)).status : 'unreachable over QMP';
        if (!s || st !== HANDED_OVER)
          throw conflict(`VM ${id} is ${st} on this host, not handed over by a migration; refusing to remove it`, {
            vmId: id,
            status: st,
          });
        s.shutdownReason = 'vmops-kill';
        await s.execute('quit').catch(() => {});
        if (!(await s.waitExit(15_000))) ctx.log(`VM ${id}: source QEMU pid ${s.pid} did not quit after the migration`);
      }
      // Forgotten first; a status poll that read the spec just before may still write exit.json
      // into the directory being removed, hence the retries.
      ctx.vms.forget(id);
      const gone = { recursive: true, force: true, maxRetries: 5, retryDelay: 100 };
      const runFiles = [
        paths.run,
        paths.exit,
        paths.pidFile,
        paths.serialLog,
        `${paths.serialLog}.1`,
        paths.qemuLog,
        paths.qmpSocket,
        paths.serialSocket,
      ];
      if (mode === 'storage') await rm(spec.vmDir, gone);
      else if (paths.runDir !== spec.vmDir) await rm(paths.runDir, gone);
      // run files of the layout before per-host run dirs
      else await Promise.all(runFiles.map((f) => rm(f, { force: true })));
      if (paths.socketDir !== paths.runDir) await rm(paths.socketDir, gone);
      ctx.log(
        `VM ${id}: the target runs it; removed this host's ${mode === 'storage' ? 'VM directory and disk' : 'run files'}`,
      );
    });
  }

  // QEMU takes its disk back (it was inactivated for the target) and the vCPUs run again.
  // Idempotent for a guest already running here.
  async function resume(id: string): Promise<VmRuntime> {
    return ctx.withLock(id, async () => {
      if (isMigrating(id)) throw conflict(`VM ${id} is still migrating`, { vmId: id });
      const spec = await ctx.vms.must(id);
      const s = await ctx.vms.expectSession(id, ['paused', 'running']);
      const st = (await runState(s)).status;
      if (st !== HANDED_OVER && st !== 'running')
        throw conflict(`VM ${id} is ${st}, not handed over by a migration`, { vmId: id, status: st });
      if (st === HANDED_OVER) {
        await stopMirror(s).catch((err) => ctx.log(`VM ${id}: cannot end the mirror: ${errorMessage(err)}`)); // normally ended at the hand-over
        await s.execute('cont');
        s.status = 'running'; // before the RESUME event arrives
        ctx.log(`VM ${id}: resumed on this host; the target did not take the guest`);
      }
      return ctx.vms.runtime(spec);
    });
  }

  return { status, finish, resume };
}
