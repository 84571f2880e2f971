// The real driver: QEMU processes that outlive the agent, driven over QMP, with disks made by
// qemu-img. All state is in each VM's directory (vm-files.ts); memory holds only connections.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, invalidInput, noSuchObject, qemuError, timeout, vmBadPowerState } from '@/lib/errors';
import type { Driver, DriverInfo, VmSpec, VmStats } from '../driver/types';
import type { VmRuntime, VmRuntimeState } from '../protocol';
import { detectAccelerator } from './accel';
import { DISK_DEVICE_ID } from './args';
import { findQemuBinary, findQemuImg, qemuVersion } from './binaries';
import { launchVm } from './launch';
import { isQemuFor, procStats, sendSignal, waitForExit } from './process';
import * as img from './qemu-img';
import { exitVerdict, readJson, readRange, tailLines, vmPaths, writeJson, type ExitRecord, type RunRecord } from './vm-files';
import { VmSession } from './vm-session';

export type QemuDriverOptions = {
  pools: { name: string; kind: 'local' | 'shared'; path: string }[];
  qemuBinary?: string;
  log?: (msg: string) => void;
};

type BlockStats = { device: string; qdev?: string; stats: { rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number } };

const ON: VmRuntimeState[] = ['running', 'paused'];
const OFF: VmRuntimeState[] = ['shutoff', 'crashed'];

export async function createQemuDriver(opts: QemuDriverOptions): Promise<Driver> {
  const log = opts.log ?? (() => {});
  const binary = opts.qemuBinary ?? findQemuBinary();
  if (!binary || !existsSync(binary)) throw qemuError('QEMU driver', `qemu-system-x86_64 not found${binary ? ` at ${binary}` : ' on PATH'}`);
  const qemuImg = findQemuImg(binary);
  if (!qemuImg) throw qemuError('QEMU driver', 'qemu-img not found next to QEMU or on PATH');
  const version = await qemuVersion(binary);
  const accel = await detectAccelerator();
  log(`QEMU ${version ?? '?'} at ${binary}; ${accel.reason}`);

  const specs = new Map<string, VmSpec>();
  const sessions = new Map<string, VmSession>();
  const attaching = new Map<string, Promise<VmSession | null>>();
  const locks = new Map<string, Promise<unknown>>();
  let scanned = false;

  // start/undefine of one VM never interleave (two starts would spawn two QEMUs on one disk).
  const withLock = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    locks.set(id, next);
    return next.finally(() => locks.get(id) === next && locks.delete(id));
  };

  const scanPools = async () => {
    for (const pool of opts.pools) {
      const dir = path.join(pool.path, 'vms');
      const entries = await readdir(dir).catch(() => [] as string[]);
      for (const e of entries) {
        const spec = await readJson<VmSpec>(path.join(dir, e, 'vm.json')).catch(() => null);
        if (spec?.id && !specs.has(spec.id)) specs.set(spec.id, spec);
      }
    }
    scanned = true;
  };

  const findSpec = async (id: string): Promise<VmSpec | null> => {
    if (!specs.has(id) && !scanned) await scanPools();
    return specs.get(id) ?? null;
  };
  const mustSpec = async (id: string) => {
    const spec = await findSpec(id);
    if (!spec) throw noSuchObject('VM', id);
    return spec;
  };

  const liveRun = async (spec: VmSpec): Promise<RunRecord | null> => {
    const run = await readJson<RunRecord>(vmPaths(spec.vmDir).run);
    return run && isQemuFor(run.pid, spec.id) ? run : null;
  };

  const onExit = (id: string) => {
    sessions.delete(id);
  };

  // The session of a live VM; attaches (once, even if asked concurrently) when the process runs
  // but this agent has no connection yet, e.g. after an agent restart.
  const sessionOf = async (spec: VmSpec): Promise<VmSession | null> => {
    const s = sessions.get(spec.id);
    if (s && !s.isGone) return s;
    const pending = attaching.get(spec.id);
    if (pending) return pending;
    const p = (async () => {
      const run = await liveRun(spec);
      if (!run) return null;
      try {
        const session = await VmSession.attach({ id: spec.id, paths: vmPaths(spec.vmDir), run, log, onExit }, { qmpMs: 5_000 });
        sessions.set(spec.id, session);
        log(`VM ${spec.id}: attached to QEMU pid ${run.pid} (${session.status}${session.guestReady ? ', guest ready' : ''})`);
        return session;
      } catch (err) {
        log(`VM ${spec.id}: cannot attach to QEMU pid ${run.pid}: ${(err as Error).message}`);
        return null;
      }
    })().finally(() => attaching.delete(spec.id));
    attaching.set(spec.id, p);
    return p;
  };

  // State of a VM with no live process: how its last run ended (exit.json, else the console).
  const offState = async (spec: VmSpec): Promise<VmRuntimeState> => {
    const paths = vmPaths(spec.vmDir);
    const run = await readJson<RunRecord>(paths.run);
    if (!run) return 'shutoff';
    let exit = await readJson<ExitRecord>(paths.exit);
    if (!exit || exit.pid !== run.pid) {
      // It ended while no agent was attached: judge from the console, and remember the verdict.
      const v = exitVerdict(null, await readRange(paths.serialLog, run.serialLogOffset));
      exit = { pid: run.pid, at: new Date().toISOString(), clean: v.clean, reason: v.reason };
      await writeJson(paths.exit, exit).catch(() => {});
      log(`VM ${spec.id}: QEMU pid ${run.pid} ended while detached (${v.clean ? 'clean' : 'CRASHED'}: ${v.reason})`);
    }
    return exit.clean ? 'shutoff' : 'crashed';
  };

  const runtime = async (spec: VmSpec): Promise<VmRuntime> => {
    const s = await sessionOf(spec);
    const run = s ? s.run : await liveRun(spec);
    // A live process we could not attach to (QMP held by someone else) is reported running.
    const state: VmRuntimeState = s ? s.status : run ? 'running' : await offState(spec);
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
      accelerator: run?.accelerator ?? accel.accelerator,
      guestReady: s?.guestReady ?? false,
    };
  };

  const onSession = async (id: string, expected: VmRuntimeState[]): Promise<VmSession> => {
    const spec = await mustSpec(id);
    const s = await sessionOf(spec);
    if (s && expected.includes(s.status)) return s;
    const state = s ? s.status : (await runtime(spec)).state;
    if (!s && ON.includes(state)) throw qemuError(`VM ${id}`, 'QEMU is running but its QMP socket cannot be attached (another client?)');
    throw vmBadPowerState(id, expected, state);
  };

  const driver: Driver = {
    kind: 'qemu',

    async info(): Promise<DriverInfo> {
      return { kind: 'qemu', qemuVersion: version, accelerator: accel.accelerator, acceleratorReason: accel.reason };
    },

    createOverlay: (diskPath, basePath, sizeBytes) => img.createOverlay(qemuImg, diskPath, basePath, sizeBytes),
    diskInfo: (file) => img.diskInfo(qemuImg, file),
    convertToQcow2: (src, dest, onProgress) => img.convertToQcow2(qemuImg, src, dest, onProgress),

    async defineVm(spec) {
      const pool = opts.pools.find((p) => p.name === spec.pool);
      if (!pool) throw invalidInput({ pool: [`unknown pool "${spec.pool}"`] });
      // reattach() finds VMs as <pool>/vms/*/vm.json, and undefine deletes vmDir: both need this.
      if (path.dirname(path.resolve(spec.vmDir)) !== path.join(path.resolve(pool.path), 'vms')) {
        throw invalidInput({ vmDir: [`must be ${path.join(pool.path, 'vms', spec.id)}`] });
      }
      if ((await findSpec(spec.id)) || existsSync(vmPaths(spec.vmDir).spec)) throw alreadyExists('VM', spec.id);
      await mkdir(spec.vmDir, { recursive: true });
      await writeJson(vmPaths(spec.vmDir).spec, spec);
      specs.set(spec.id, spec);
    },

    startVm: (id) =>
      withLock(id, async () => {
        const spec = await mustSpec(id);
        const state = (await runtime(spec)).state;
        if (ON.includes(state)) throw vmBadPowerState(id, OFF, state);
        const t0 = Date.now();
        const session = await launchVm({ binary, spec, accelerator: accel.accelerator, log, onExit });
        if (!session.isGone) sessions.set(id, session);
        void session.waitReady(300_000).then((ok) => ok && log(`VM ${id}: guest ready ${session.readyAt! - t0} ms after spawn`));
        return runtime(spec);
      }),

    // Graceful means the guest powers itself off. No silent kill: after timeoutSec the VM is still
    // running and the caller gets TIMEOUT (a force stop is killVm, an explicit admin choice).
    // The button is pressed again every 10 s: a press during early boot, before the guest's ACPI
    // handler runs (acpid in the test guest), is otherwise lost.
    async shutdownVm(id, timeoutSec) {
      const s = await onSession(id, ['running']);
      const deadline = Date.now() + timeoutSec * 1000;
      while (Date.now() < deadline) {
        try {
          await s.execute('system_powerdown');
        } catch (err) {
          if (await s.waitExit(5_000)) return; // it was already on its way down
          throw err;
        }
        if (await s.waitExit(Math.min(10_000, deadline - Date.now()))) return;
      }
      if (!(await s.waitExit(0))) throw timeout(`Graceful shutdown of VM ${id} (ACPI power button)`, timeoutSec);
    },

    // Force stop: QMP quit (QEMU closes its images cleanly: qcow2 and persistent bitmaps stay
    // consistent), SIGKILL only when QEMU does not answer. Idempotent: an off VM is left alone.
    async killVm(id) {
      const spec = await mustSpec(id);
      const run = await liveRun(spec);
      if (!run) return;
      const s = await sessionOf(spec);
      if (s) {
        s.shutdownReason = 'vmops-kill';
        await s.execute('quit', undefined, { timeoutMs: 5_000 }).catch(() => {});
        if (await s.waitExit(10_000)) return;
      }
      log(`VM ${id}: QEMU pid ${run.pid} did not quit; SIGKILL`);
      sendSignal(run.pid, 'SIGKILL');
      if (!(await waitForExit(run.pid, id, 10_000))) throw timeout(`Killing QEMU pid ${run.pid} of VM ${id}`, 10);
      if (s) await s.waitExit(5_000);
      else await writeJson(vmPaths(spec.vmDir).exit, { pid: run.pid, at: new Date().toISOString(), clean: true, reason: 'vmops-kill' });
    },

    // -no-reboot makes a plain system_reset exit QEMU, so the reboot action is switched to
    // 'reset' around the host-requested reset only; guest reboots/panics still end the process.
    async resetVm(id) {
      const s = await onSession(id, ON);
      await s.execute('set-action', { reboot: 'reset' });
      try {
        await s.execute('system_reset');
      } finally {
        await s.execute('set-action', { reboot: 'shutdown' }).catch(() => {});
      }
      s.guestReady = false;
    },

    undefineVm: (id) =>
      withLock(id, async () => {
        const spec = await mustSpec(id);
        const state = (await runtime(spec)).state;
        if (!OFF.includes(state)) throw vmBadPowerState(id, OFF, state);
        const pool = opts.pools.find((p) => p.name === spec.pool);
        const rel = pool ? path.relative(path.join(path.resolve(pool.path), 'vms'), path.resolve(spec.vmDir)) : '';
        if (!rel || rel.includes('/') || rel.startsWith('..')) throw qemuError(`undefine VM ${id}`, `refusing to delete ${spec.vmDir}: not a VM directory of pool ${spec.pool}`);
        const paths = vmPaths(spec.vmDir);
        await rm(spec.vmDir, { recursive: true, force: true });
        if (paths.socketDir !== spec.vmDir) await rm(paths.socketDir, { recursive: true, force: true });
        specs.delete(id);
        sessions.delete(id);
      }),

    async getVm(id) {
      const spec = await findSpec(id);
      return spec ? runtime(spec) : null;
    },

    async listVms() {
      if (!scanned) await scanPools();
      return Promise.all([...specs.values()].map(runtime));
    },

    async vmStats(id): Promise<VmStats | null> {
      const spec = await mustSpec(id);
      const run = await liveRun(spec);
      const proc = run ? procStats(run.pid) : null;
      if (!run || !proc) return null;
      const s = await sessionOf(spec);
      const all = s ? await s.execute<BlockStats[]>('query-blockstats').catch(() => [] as BlockStats[]) : [];
      const ours = all.filter((b) => b.qdev?.includes(`/${DISK_DEVICE_ID}/`));
      const sum = (k: keyof BlockStats['stats']) => (ours.length ? ours : all).reduce((n, b) => n + (b.stats[k] ?? 0), 0);
      return { ...proc, diskRdBytes: sum('rd_bytes'), diskWrBytes: sum('wr_bytes'), diskRdOps: sum('rd_operations'), diskWrOps: sum('wr_operations') };
    },

    async consoleTail(id, lines) {
      const spec = await mustSpec(id);
      return tailLines(vmPaths(spec.vmDir).serialLog, lines);
    },

    async sendSerial(id, line) {
      if (/[\r\n]/.test(line)) throw invalidInput({ line: ['must be a single line'] });
      const s = await onSession(id, ON);
      await s.sendLine(line);
    },

    async reattach() {
      specs.clear();
      await scanPools();
      for (const spec of specs.values()) {
        const vm = await runtime(spec);
        log(`VM ${spec.id}: ${vm.state}${vm.pid ? ` (pid ${vm.pid})` : ''}`);
      }
    },

    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.detach()));
    },
  };
  return driver;
}
