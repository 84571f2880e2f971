// The real driver: QEMU processes that outlive the agent, driven over QMP, with disks made by
// qemu-img. All state is in each VM's directory (vm-files.ts); memory holds only connections.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { alreadyExists, conflict, invalidInput, qemuError, timeout, vmBadPowerState } from '@/lib/errors';
import type { Driver, DriverInfo, VmStats } from '../driver/types';
import { detectAccelerator } from './accel';
import { DISK_DEVICE_ID } from './args';
import { findQemuBinary, findQemuImg, qemuVersion } from './binaries';
import { launchVm } from './launch';
import { dropTestOfReplica, refuseStartOfReplica, refuseUndefineOfTestedReplica } from '../replication/guards';
import { refuseUndefineWhileCloned } from '../snapshots/guards';
import { refuseStartDuringFailback } from '../replication/in-place-guard';
import { procStats, sendSignal, waitForExit } from './process';
import * as img from './qemu-img';
import { tailLines, vmPaths, writeJson } from './vm-files';
import { OFF, ON, VmRegistry } from './vm-registry';

// resetVm: how long the firmware's own reset may take, and the calm that must follow it.
const FIRMWARE_RESET_MS = 30_000;
const RESET_QUIET_MS = 1_500;

export type QemuDriverOptions = {
  pools: { name: string; kind: 'local' | 'shared'; path: string }[];
  qemuBinary?: string;
  log?: (msg: string) => void;
  hostName?: string; // the agent's name (owner of the VMs it defines); default: os.hostname()
};

type BlockStats = {
  device: string;
  qdev?: string;
  stats: { rd_bytes: number; wr_bytes: number; rd_operations: number; wr_operations: number };
};

export async function createQemuDriver(opts: QemuDriverOptions): Promise<Driver> {
  const log = opts.log ?? (() => {});
  const binary = opts.qemuBinary ?? findQemuBinary();
  if (!binary || !existsSync(binary))
    throw qemuError('QEMU driver', `qemu-system-x86_64 not found${binary ? ` at ${binary}` : ' on PATH'}`);
  const qemuImg = findQemuImg(binary);
  if (!qemuImg) throw qemuError('QEMU driver', 'qemu-img not found next to QEMU or on PATH');
  const version = await qemuVersion(binary);
  const accel = await detectAccelerator();
  log(`QEMU ${version ?? '?'} at ${binary}; ${accel.reason}`);

  const hostName = opts.hostName ?? os.hostname();
  const vms = new VmRegistry({ hostName, pools: opts.pools, accelerator: accel.accelerator, log });
  const locks = new Map<string, Promise<unknown>>();
  // start/undefine of one VM never interleave (two starts would spawn two QEMUs on one disk).
  const withLock = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const next = (locks.get(id) ?? Promise.resolve()).catch(() => {}).then(fn);
    locks.set(id, next);
    return next.finally(() => locks.get(id) === next && locks.delete(id));
  };

  const driver: Driver = {
    kind: 'qemu',
    qemu: {
      hostName,
      binary,
      qemuImg,
      vms,
      pools: opts.pools,
      accelerator: accel.accelerator === 'kvm' ? 'kvm' : 'tcg',
      withLock,
      log,
      startGuard: async () => {},
    },

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
      if ((await vms.find(spec.id)) || existsSync(vmPaths(spec.vmDir).spec)) throw alreadyExists('VM', spec.id);
      await mkdir(spec.vmDir, { recursive: true });
      const owned = { ...spec, owner: spec.owner ?? hostName };
      await writeJson(vmPaths(spec.vmDir).spec, owned);
      vms.specs.set(spec.id, owned);
    },

    startVm: (id) =>
      withLock(id, async () => {
        const spec = await vms.must(id);
        refuseStartOfReplica(spec);
        await refuseStartDuringFailback(driver.qemu!, spec);
        const state = (await vms.runtime(spec)).state;
        if (ON.includes(state)) throw vmBadPowerState(id, OFF, state);
        await driver.qemu!.startGuard(spec);
        if (!spec.owner) {
          // A VM defined before owners existed: whoever starts it owns it from now on.
          spec.owner = hostName;
          await writeJson(vmPaths(spec.vmDir).spec, spec);
        }
        const t0 = Date.now();
        const session = await vms.whileLaunching(id, async () => {
          const launched = await launchVm({
            binary,
            spec,
            paths: vms.paths(spec),
            accelerator: accel.accelerator,
            log,
            onExit: vms.onExit,
          });
          if (!launched.isGone) vms.sessions.set(id, launched);
          return launched;
        });
        void session
          .waitReady(300_000)
          .then((ok) => ok && log(`VM ${id}: guest ready ${session.readyAt! - t0} ms after spawn`));
        return vms.runtime(spec);
      }),

    // Graceful means the guest powers itself off. No silent kill: after timeoutSec the VM is still
    // running and the caller gets TIMEOUT (a force stop is killVm, an explicit admin choice).
    // The button is pressed again every 10 s: a press during early boot, before the guest's ACPI
    // handler runs (acpid in the test guest), is otherwise lost.
    async shutdownVm(id, timeoutSec) {
      const s = await vms.expectSession(id, ['running']);
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
      const spec = await vms.must(id);
      const run = await vms.liveRun(spec);
      if (!run) return;
      const s = await vms.session(spec);
      if (s) {
        s.shutdownReason = 'vmops-kill';
        await s.execute('quit', undefined, { timeoutMs: 5_000 }).catch(() => {});
        if (await s.waitExit(10_000)) return;
      }
      log(`VM ${id}: QEMU pid ${run.pid} did not quit; SIGKILL`);
      sendSignal(run.pid, 'SIGKILL');
      if (!(await waitForExit(run.pid, id, 10_000))) throw timeout(`Killing QEMU pid ${run.pid} of VM ${id}`, 10);
      if (s) await s.waitExit(5_000);
      else
        await writeJson(vms.paths(spec).exit, {
          pid: run.pid,
          at: new Date().toISOString(),
          clean: true,
          reason: 'vmops-kill',
        });
    },

    // -no-reboot makes a plain system_reset exit QEMU. Worse, SeaBIOS answers every reset after
    // its first POST with "Attempting a hard reboot" (a guest-initiated reset ~0.1-0.5 s later),
    // which -no-reboot also turns into an exit. So the reboot action is 'reset' from our request
    // until that firmware reset has happened and a quiet moment followed (bounded waits: under TCG
    // on a loaded host the POST took over 10 s, and a late reset then met 'shutdown' and ended
    // QEMU), then back to 'shutdown' so guest reboots and panics (panic=-1) still end the process.
    async resetVm(id) {
      const s = await vms.expectSession(id, ON);
      const guestReset = (ev: { data?: { guest?: unknown } }) => ev.data?.guest === true;
      await s.execute('set-action', { reboot: 'reset' });
      try {
        const firmwareReset = s.qmp.waitForEvent('RESET', FIRMWARE_RESET_MS, guestReset);
        await s.execute('system_reset');
        s.guestReady = false; // now, not after the waits: the new boot may print its ready line meanwhile
        if (await firmwareReset) while (await s.qmp.waitForEvent('RESET', RESET_QUIET_MS, guestReset));
      } finally {
        await s.execute('set-action', { reboot: 'shutdown' }).catch(() => {});
      }
    },

    undefineVm: (id) =>
      withLock(id, async () => {
        const spec = await vms.must(id);
        // Its disk is still being written by the migration (or belongs to the source host).
        if (vms.incoming.has(id)) throw conflict(`VM ${id} is arriving by live migration; abort the migration instead`);
        const state = (await vms.runtime(spec)).state;
        if (!OFF.includes(state)) throw vmBadPowerState(id, OFF, state);
        await refuseUndefineWhileCloned(driver.qemu!, id); // its layers back other VMs' disks
        await refuseUndefineOfTestedReplica(spec); // DR test VMs stand on its points
        const pool = opts.pools.find((p) => p.name === spec.pool);
        const rel = pool ? path.relative(path.join(path.resolve(pool.path), 'vms'), path.resolve(spec.vmDir)) : '';
        if (!rel || rel.includes('/') || rel.startsWith('..'))
          throw qemuError(
            `undefine VM ${id}`,
            `refusing to delete ${spec.vmDir}: not a VM directory of pool ${spec.pool}`,
          );
        const paths = vms.paths(spec);
        await rm(spec.vmDir, { recursive: true, force: true });
        if (paths.socketDir !== spec.vmDir) await rm(paths.socketDir, { recursive: true, force: true });
        vms.forget(id);
        await dropTestOfReplica(driver.qemu!, spec);
      }),

    async getVm(id) {
      const spec = await vms.find(id);
      return spec ? vms.runtime(spec) : null;
    },

    async listVms() {
      return Promise.all((await vms.all()).map((spec) => vms.runtime(spec)));
    },

    async vmStats(id): Promise<VmStats | null> {
      const spec = await vms.must(id);
      const run = await vms.liveRun(spec);
      const proc = run ? procStats(run.pid) : null;
      if (!run || !proc) return null;
      const s = await vms.session(spec);
      const all = s ? await s.execute<BlockStats[]>('query-blockstats').catch(() => [] as BlockStats[]) : [];
      const ours = all.filter((b) => b.qdev?.includes(`/${DISK_DEVICE_ID}/`));
      const sum = (k: keyof BlockStats['stats']) =>
        (ours.length ? ours : all).reduce((n, b) => n + (b.stats[k] ?? 0), 0);
      return {
        ...proc,
        diskRdBytes: sum('rd_bytes'),
        diskWrBytes: sum('wr_bytes'),
        diskRdOps: sum('rd_operations'),
        diskWrOps: sum('wr_operations'),
      };
    },

    async consoleTail(id, lines) {
      const spec = await vms.must(id);
      return tailLines(vms.paths(spec).serialLog, lines);
    },

    async sendSerial(id, line) {
      if (/[\r\n]/.test(line)) throw invalidInput({ line: ['must be a single line'] });
      const s = await vms.expectSession(id, ON);
      await s.sendLine(line);
    },

    subscribe: (listener) => vms.subscribe(listener),

    async reattach() {
      await vms.scanPools();
      for (const spec of await vms.all()) {
        const vm = await vms.runtime(spec);
        log(`VM ${spec.id}: ${vm.state}${vm.pid ? ` (pid ${vm.pid})` : ''}`);
        if (!spec.owner && ON.includes(vm.state)) {
          // Defined before owners existed and running here: this host owns it (other hosts then ignore it).
          spec.owner = hostName;
          await writeJson(vmPaths(spec.vmDir).spec, spec);
        }
      }
    },

    async close() {
      await vms.detachAll();
    },
  };
  return driver;
}
