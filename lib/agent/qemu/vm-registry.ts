// What the driver knows about its VMs: specs (from <pool>/vms/*/vm.json), live sessions, and the
// derivation of each VM's runtime state from the process table and the files in its directory.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { noSuchObject, qemuError, vmBadPowerState } from '@/lib/errors';
import type { VmSpec } from '../driver/types';
import type { Accelerator, VmRuntime, VmRuntimeState } from '@/lib/agent-protocol/core';
import { isQemuFor } from './process';
import {
  exitVerdict,
  readJson,
  readRange,
  vmPaths,
  writeJson,
  type ExitRecord,
  type RunRecord,
  type VmPaths,
} from './vm-files';
import { VmSession } from './vm-session';

export const ON: VmRuntimeState[] = ['running', 'paused'];
export const OFF: VmRuntimeState[] = ['shutoff', 'crashed'];
const ATTACH_RETRY_MS = 30_000; // a QMP socket someone else holds: do not stall every getVm

export type RegistryOptions = {
  hostName: string; // this agent: owner of the VMs it defines
  pools: { name: string; kind?: 'local' | 'shared'; path: string }[];
  accelerator: Accelerator;
  log: (msg: string) => void;
};

// Every session the registry holds reports its changes to the registry's listeners, whoever
// made it (start, re-attach, incoming migration, revert).
class SessionMap extends Map<string, VmSession> {
  constructor(private readonly changed: (id: string) => void) {
    super();
  }
  override set(id: string, s: VmSession) {
    if (this.get(id) !== s) s.onChange(() => this.changed(id));
    return super.set(id, s);
  }
}

export class VmRegistry {
  readonly specs = new Map<string, VmSpec>();
  private readonly changeListeners = new Set<(id: string) => void>();
  readonly sessions: Map<string, VmSession> = new SessionMap((id) => this.changed(id));
  private readonly attaching = new Map<string, Promise<VmSession | null>>();
  private readonly attachFailedAt = new Map<string, number>();
  // VMs whose start sequence holds the QMP connection: QEMU serves one QMP client at a time, so a
  // heartbeat attaching in between would leave the start waiting for a greeting that never comes.
  private readonly launching = new Set<string>();
  // VMs arriving by live migration: known (sessions, getVm) but not listed, so heartbeats do not
  // report a second copy of a VM that still runs on its source host.
  readonly incoming = new Set<string>();
  // QEMU pid of each VM last seen alive, kept in memory so HA fencing can SIGKILL without
  // touching the (maybe hung) shared storage; refreshed whenever liveRun reads run.json.
  readonly pids = new Map<string, number>();
  private scanned = false;

  constructor(private readonly opts: RegistryOptions) {}

  // How each VM's last QEMU ended, as its session saw it: the answer when the files cannot say
  // (exit.json could not be written, run.json unreadable: a fenced host cut off its shared storage
  // must still report its killed VMs crashed, not off).
  private readonly lastExits = new Map<string, ExitRecord>();

  // Passed to sessions: a QEMU that exited has no session any more.
  readonly onExit = (id: string, exit?: ExitRecord) => {
    this.sessions.delete(id);
    this.pids.delete(id);
    if (exit) this.lastExits.set(id, exit);
    this.changed(id);
  };

  // A VM's power or guest state changed (the agent pushes a heartbeat at once).
  subscribe(listener: (id: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }
  private changed(id: string) {
    for (const l of this.changeListeners) l(id);
  }

  async scanPools(): Promise<void> {
    this.specs.clear();
    for (const pool of this.opts.pools) {
      const dir = path.join(pool.path, 'vms');
      for (const e of await readdir(dir).catch(() => [] as string[])) {
        const spec = await readJson<VmSpec>(path.join(dir, e, 'vm.json')).catch(() => null);
        // Another host's VM in the shared pool is none of ours (its disk may be in use there).
        if (spec?.id && (!spec.owner || spec.owner === this.opts.hostName)) this.specs.set(spec.id, spec);
      }
    }
    this.scanned = true;
  }

  async all(): Promise<VmSpec[]> {
    if (!this.scanned) await this.scanPools();
    return [...this.specs.values()].filter((s) => !this.incoming.has(s.id));
  }

  // Files of this host's runs of the VM. In a shared pool every host has its own run directory
  // (<vmDir>/hosts/<host>), so a migration target never touches the source's sockets, pid or
  // logs; runs from before that layout (run.json in vmDir) keep their place, except on a
  // migration target, where that run.json is the source's.
  paths(spec: VmSpec): VmPaths {
    const shared = this.opts.pools.find((p) => p.name === spec.pool)?.kind === 'shared';
    const legacyRun = !this.incoming.has(spec.id) && existsSync(path.join(spec.vmDir, 'run.json'));
    if (!shared || legacyRun) return vmPaths(spec.vmDir);
    return vmPaths(spec.vmDir, path.join(spec.vmDir, 'hosts', this.opts.hostName));
  }

  async find(id: string): Promise<VmSpec | null> {
    if (!this.specs.has(id) && !this.scanned) await this.scanPools();
    return this.specs.get(id) ?? null;
  }

  async must(id: string): Promise<VmSpec> {
    const spec = await this.find(id);
    if (!spec) throw noSuchObject('VM', id);
    return spec;
  }

  async whileLaunching<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.launching.add(id);
    try {
      return await fn();
    } finally {
      this.launching.delete(id);
    }
  }

  forget(id: string) {
    this.specs.delete(id);
    this.sessions.delete(id);
    this.incoming.delete(id);
    this.attachFailedAt.delete(id);
    this.pids.delete(id);
    this.lastExits.delete(id);
  }

  // run.json of a VM whose QEMU process is alive (checked against the VM id, not only the pid).
  async liveRun(spec: VmSpec): Promise<RunRecord | null> {
    const run = await readJson<RunRecord>(this.paths(spec).run);
    const live = run && isQemuFor(run.pid, spec.id) ? run : null;
    if (live) this.pids.set(spec.id, live.pid);
    else this.pids.delete(spec.id);
    return live;
  }

  // The session of a live VM; attaches (once, even if asked concurrently) when the process runs
  // but this agent has no connection yet, e.g. after an agent restart.
  async session(spec: VmSpec): Promise<VmSession | null> {
    const s = this.sessions.get(spec.id);
    if (s && !s.isGone) return s;
    if (this.launching.has(spec.id)) return null;
    const pending = this.attaching.get(spec.id);
    if (pending) return pending;
    if (Date.now() - (this.attachFailedAt.get(spec.id) ?? 0) < ATTACH_RETRY_MS) return null;
    const p = this.attach(spec).finally(() => this.attaching.delete(spec.id));
    this.attaching.set(spec.id, p);
    return p;
  }

  private async attach(spec: VmSpec): Promise<VmSession | null> {
    const run = await this.liveRun(spec);
    if (!run) return null;
    try {
      const session = await VmSession.attach(
        { id: spec.id, paths: this.paths(spec), run, log: this.opts.log, onExit: this.onExit },
        { qmpMs: 5_000 },
      );
      this.sessions.set(spec.id, session);
      this.attachFailedAt.delete(spec.id);
      this.opts.log(
        `VM ${spec.id}: attached to QEMU pid ${run.pid} (${session.status}${session.guestReady ? ', guest ready' : ''})`,
      );
      return session;
    } catch (err) {
      this.attachFailedAt.set(spec.id, Date.now());
      this.opts.log(`VM ${spec.id}: cannot attach to QEMU pid ${run.pid}: ${(err as Error).message}`);
      return null;
    }
  }

  // State of a VM with no live process: how its last run ended (exit.json, else the console).
  private async offState(spec: VmSpec): Promise<VmRuntimeState> {
    // A session still writing how its QEMU ended (quit, kill, migration hand-over): wait for its
    // verdict rather than judging from the console and logging a crash that was not one.
    await this.sessions.get(spec.id)?.waitExit(2_000);
    const paths = this.paths(spec);
    const remembered = this.lastExits.get(spec.id);
    const run = await readJson<RunRecord>(paths.run);
    if (!run) return remembered && !remembered.clean ? 'crashed' : 'shutoff';
    let exit = await readJson<ExitRecord>(paths.exit);
    if ((!exit || exit.pid !== run.pid) && remembered?.pid === run.pid) exit = remembered;
    if (!exit || exit.pid !== run.pid) {
      // Forgotten meanwhile (undefined, or migrated away while its files are being removed).
      if (!this.specs.has(spec.id)) return 'shutoff';
      // It ended while no agent was attached: judge from the console, and remember the verdict.
      const v = exitVerdict(null, await readRange(paths.serialLog, run.serialLogOffset));
      exit = { pid: run.pid, at: new Date().toISOString(), clean: v.clean, reason: v.reason };
      await writeJson(paths.exit, exit).catch(() => {});
      this.opts.log(
        `VM ${spec.id}: QEMU pid ${run.pid} ended while detached (${v.clean ? 'clean' : 'CRASHED'}: ${v.reason})`,
      );
    }
    return exit.clean ? 'shutoff' : 'crashed';
  }

  async runtime(spec: VmSpec): Promise<VmRuntime> {
    const s = await this.session(spec);
    const run = s ? s.run : await this.liveRun(spec);
    // A live process we could not attach to (QMP held by someone else) is reported running; a
    // start that has not got its process up yet is still off, with no exit verdict to record.
    const state: VmRuntimeState = s
      ? s.status
      : run
        ? 'running'
        : this.launching.has(spec.id)
          ? 'shutoff'
          : await this.offState(spec);
    return {
      id: spec.id,
      name: spec.name,
      state,
      pid: run?.pid ?? null,
      pool: spec.pool,
      diskPath: spec.diskPath,
      startedAt: run?.startedAt ?? null,
      vcpus: spec.vcpus,
      memoryMiB: spec.memoryMiB,
      accelerator: run?.accelerator ?? this.opts.accelerator,
      guestReady: s?.guestReady ?? false,
    };
  }

  // The session of VM `id` when its state is one of `expected`; coded errors otherwise.
  async expectSession(id: string, expected: VmRuntimeState[]): Promise<VmSession> {
    const spec = await this.must(id);
    const s = await this.session(spec);
    if (s && expected.includes(s.status)) return s;
    const state = s ? s.status : (await this.runtime(spec)).state;
    if (!s && ON.includes(state))
      throw qemuError(`VM ${id}`, 'QEMU is running but its QMP socket cannot be attached (another client?)');
    throw vmBadPowerState(id, expected, state);
  }

  async detachAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.detach()));
  }
}
