// SIMULATED DRIVER — a stand-in for machines without QEMU, so the dashboard can be developed and
// demonstrated on a laptop. No VM here is real: states, stats and console are invented (but
// plausible and varying), and AgentInfo.driver = 'simulated' lets the UI label every host using it.
// State lives in memory and in <vmDir>/vm.json so a restarted agent "re-attaches" like it would
// to QEMU processes that outlived it. Never used by the integration tests of the real stack.
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { alreadyExists, noSuchObject, vmBadPowerState } from '@/lib/errors';
import type { VmRuntime, VmRuntimeState } from '@/lib/agent-protocol/core';
import {
  answerGuestCommand,
  bootLines,
  newGuestState,
  POWEROFF_LINES,
  readyLine,
  type GuestState,
} from './simulated-guest';
import { simConvertToQcow2, simCreateOverlay, simDiskInfo } from './simulated-disk';
import { splitConsole } from '../qemu/vm-files';
import type { Driver, DriverInfo, VmSpec, VmStats } from './types';

export const SIMULATED_BANNER = 'SIMULATED DRIVER: no QEMU on this machine — VMs are not real';
const MiB = 1024 * 1024;

type SimVm = {
  spec: VmSpec;
  state: VmRuntimeState;
  startedAt: string | null;
  guest: GuestState;
  guestReady: boolean;
  stats: VmStats;
  lastTickMs: number;
  timer?: NodeJS.Timeout;
};

export type SimulatedDriverOptions = {
  pools: { name: string; path: string }[];
  log?: (msg: string) => void;
  bootDelayMs?: number; // time from start to VMOPS-READY (about a second, like the real guest under TCG)
};

export function createSimulatedDriver(opts: SimulatedDriverOptions): Driver {
  const vms = new Map<string, SimVm>();
  const bootDelayMs = opts.bootDelayMs ?? 1000;
  const log = opts.log ?? (() => {});

  const find = (id: string): SimVm => {
    const vm = vms.get(id);
    if (!vm) throw noSuchObject('VM', id);
    return vm;
  };
  const consoleFile = (vm: SimVm) => path.join(vm.spec.vmDir, 'serial.log');
  const print = (vm: SimVm, lines: string[]) => appendFileSync(consoleFile(vm), lines.map((l) => `${l}\n`).join(''));
  const persist = (vm: SimVm) =>
    writeFile(
      path.join(vm.spec.vmDir, 'vm.json'),
      JSON.stringify(
        { spec: vm.spec, simulated: { state: vm.state, startedAt: vm.startedAt, seq: vm.guest.seq } },
        null,
        2,
      ),
    );

  // CPU time accrues lazily from wall time: ~2% of one vCPU idle, ~97% of every vCPU when burning.
  const tick = (vm: SimVm) => {
    const now = Date.now();
    if (vm.state === 'running') {
      const share = vm.guest.burn ? 0.97 * vm.spec.vcpus : 0.015 + Math.random() * 0.02;
      vm.stats.cpuTimeMs += (now - vm.lastTickMs) * share;
      vm.stats.rssBytes = Math.round(
        vm.spec.memoryMiB * MiB * (0.3 + 0.05 * Math.sin(now / 20_000)) + Math.random() * MiB,
      );
    }
    vm.lastTickMs = now;
  };

  const runtime = (vm: SimVm): VmRuntime => ({
    id: vm.spec.id,
    name: vm.spec.name,
    state: vm.state,
    pid: null, // no process: a fake pid could be mistaken for a real one and signalled
    pool: vm.spec.pool,
    diskPath: vm.spec.diskPath,
    startedAt: vm.startedAt,
    vcpus: vm.spec.vcpus,
    memoryMiB: vm.spec.memoryMiB,
    accelerator: 'none',
    guestReady: vm.guestReady,
  });

  const expectState = (vm: SimVm, expected: VmRuntimeState[]) => {
    if (!expected.includes(vm.state)) throw vmBadPowerState(vm.spec.id, expected, vm.state);
  };

  const listeners = new Set<(id: string) => void>();
  const changed = (vm: SimVm) => {
    for (const l of listeners) l(vm.spec.id);
  };

  const boot = (vm: SimVm) => {
    clearTimeout(vm.timer);
    vm.guest = newGuestState(Date.now(), vm.guest);
    vm.guestReady = false;
    vm.stats.diskRdBytes += 24 * MiB; // what a small guest reads while booting
    vm.stats.diskRdOps += 400;
    print(vm, bootLines(vm.spec));
    vm.timer = setTimeout(() => {
      vm.guestReady = true;
      print(vm, [readyLine(vm.guest, Date.now())]);
      changed(vm);
    }, bootDelayMs);
    vm.timer.unref();
  };

  const powerOff = async (vm: SimVm, lines: string[]) => {
    tick(vm);
    clearTimeout(vm.timer);
    vm.state = 'shutoff';
    vm.startedAt = null;
    vm.guestReady = false;
    vm.stats.rssBytes = 0;
    print(vm, lines);
    await persist(vm);
    changed(vm);
  };

  const emptyStats = (): VmStats => ({
    cpuTimeMs: 0,
    rssBytes: 0,
    diskRdBytes: 0,
    diskWrBytes: 0,
    diskRdOps: 0,
    diskWrOps: 0,
  });

  const driver: Driver = {
    kind: 'simulated',
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async info(): Promise<DriverInfo> {
      return { kind: 'simulated', qemuVersion: null, accelerator: 'none', acceleratorReason: SIMULATED_BANNER };
    },
    createOverlay: simCreateOverlay,
    diskInfo: simDiskInfo,
    convertToQcow2: simConvertToQcow2,

    async defineVm(spec) {
      if (vms.has(spec.id)) throw alreadyExists('VM', spec.id);
      await mkdir(spec.vmDir, { recursive: true });
      const vm: SimVm = {
        spec,
        state: 'shutoff',
        startedAt: null,
        guest: newGuestState(Date.now()),
        guestReady: false,
        stats: emptyStats(),
        lastTickMs: Date.now(),
      };
      vms.set(spec.id, vm);
      await persist(vm);
    },
    async startVm(id) {
      const vm = find(id);
      expectState(vm, ['shutoff', 'crashed']);
      vm.state = 'running';
      vm.startedAt = new Date().toISOString();
      vm.lastTickMs = Date.now();
      boot(vm);
      await persist(vm);
      return runtime(vm);
    },
    async shutdownVm(id) {
      const vm = find(id);
      expectState(vm, ['running', 'paused']);
      await new Promise((r) => setTimeout(r, 200)); // the guest takes a moment to power off
      await powerOff(vm, POWEROFF_LINES);
    },
    async killVm(id) {
      const vm = find(id);
      if (vm.state === 'shutoff') return;
      await powerOff(vm, ['[  sim  ] process killed']);
    },
    async resetVm(id) {
      const vm = find(id);
      expectState(vm, ['running', 'paused']);
      tick(vm);
      vm.state = 'running';
      boot(vm);
      await persist(vm);
    },
    async undefineVm(id) {
      const vm = find(id);
      expectState(vm, ['shutoff', 'crashed']);
      vms.delete(id);
      await rm(vm.spec.vmDir, { recursive: true, force: true });
    },
    async getVm(id) {
      const vm = vms.get(id);
      return vm ? runtime(vm) : null;
    },
    async listVms() {
      return [...vms.values()].map(runtime);
    },
    async vmStats(id) {
      const vm = vms.get(id);
      if (!vm || vm.state !== 'running') return null;
      tick(vm);
      return { ...vm.stats, cpuTimeMs: Math.round(vm.stats.cpuTimeMs) };
    },
    async consoleTail(id, lines) {
      const vm = find(id);
      if (!existsSync(consoleFile(vm))) return { lines: [], partial: '' };
      return splitConsole(await readFile(consoleFile(vm), 'utf8'), lines);
    },
    async sendSerial(id, line) {
      const vm = find(id);
      expectState(vm, ['running']);
      tick(vm);
      if (!vm.guestReady) return; // still booting: like the real guest, nobody reads the line yet
      const answer = answerGuestCommand(vm.guest, line, Date.now());
      vm.stats.diskWrBytes += answer.wroteBytes;
      vm.stats.diskWrOps += answer.wroteBytes ? 1 : 0;
      vm.stats.diskRdBytes += answer.readBytes;
      vm.stats.diskRdOps += answer.readBytes ? 1 : 0;
      print(vm, answer.lines); // the real guest turns echo off: only answers reach the log
      if (answer.powerOff) await powerOff(vm, ['reboot: Power down']);
      else await persist(vm);
    },

    async reattach() {
      for (const pool of opts.pools) {
        const dir = path.join(pool.path, 'vms');
        const ids = existsSync(dir) ? await readdir(dir) : [];
        for (const id of ids) {
          const file = path.join(dir, id, 'vm.json');
          if (vms.has(id) || !existsSync(file)) continue;
          const saved = JSON.parse(await readFile(file, 'utf8')) as {
            spec: VmSpec;
            simulated?: { state: VmRuntimeState; startedAt: string | null; seq: number };
          };
          const s = saved.simulated ?? { state: 'shutoff' as const, startedAt: null, seq: 0 };
          const guest = newGuestState(s.startedAt ? Date.parse(s.startedAt) : Date.now(), s);
          vms.set(id, {
            spec: saved.spec,
            state: s.state,
            startedAt: s.startedAt,
            guest,
            guestReady: s.state === 'running',
            stats: emptyStats(),
            lastTickMs: Date.now(),
          });
          log(`re-attached simulated VM ${id} (${s.state})`);
        }
      }
    },
    async close() {
      for (const vm of vms.values()) clearTimeout(vm.timer);
    },
  };
  return driver;
}
