// VM operations behind the HTTP routes: checks first (capacity, pool space, base image, power
// state; their 4xx answers come back at once), then the driver steps as an agent operation (202 +
// poll: a graceful stop may take minutes, longer than any HTTP timeout), create under an undo
// stack so a failed create leaves no disk or definition behind.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  alreadyExists,
  AppError,
  conflict,
  errorMessage,
  insufficientCapacity,
  invalidInput,
  noSuchObject,
  qemuError,
  storageFull,
  vmBadPowerState,
} from '@/lib/errors';
import type { PoolConfig } from './config';
import type { Driver, VmSpec } from './driver/types';
import { poolSpace } from './host-info';
import type { OperationHandle, Operations } from './operations';
import { readMeminfo } from './metrics/proc';
import type { createVmRequestSchema, Operation, VmRuntime, VmRuntimeState } from '@/lib/agent-protocol/core';
import { refuseStartOfReplica, refuseUndefineOfTestedReplica } from './replication/guards';
import { refuseStartDuringFailback } from './replication/in-place-guard';
import { refuseUndefineWhileCloned } from './snapshots/guards';
import { UndoStack } from './undo';

const MiB = 1024 * 1024;
// A fresh overlay is only qcow2 metadata (header, L1 and refcount tables, ~200 KiB) but the
// first writes of a booting guest allocate clusters at once; ask for a little headroom.
export const OVERLAY_RESERVE_BYTES = 16 * MiB;

export type CreateVmInput = z.output<typeof createVmRequestSchema>;

// Non-coded driver failures carry QEMU's own message: pass it on, marked as coming from QEMU.
export async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof AppError ? err : qemuError(what, errorMessage(err));
  }
}

export type NewVmCheck = { id: string; pool: string; memoryMiB: number; boot: VmSpec['boot']; start: boolean };

export type VmServiceOptions = {
  driver: Driver;
  pools: PoolConfig[];
  hostName: string;
  operations: Operations;
  log: (msg: string) => void;
  memAvailableBytes?: () => Promise<number>; // seam for tests
  poolFreeBytes?: (dir: string) => Promise<number>;
};

export type VmService = ReturnType<typeof createVmService>;

const ON: VmRuntimeState[] = ['running', 'paused'];
const OFF: VmRuntimeState[] = ['shutoff', 'crashed'];

export function createVmService(opts: VmServiceOptions) {
  const { driver, log } = opts;
  const memAvailable = opts.memAvailableBytes ?? (async () => (await readMeminfo()).availableBytes);
  const poolFree = opts.poolFreeBytes ?? (async (dir: string) => (await poolSpace(dir)).freeBytes);
  // One long call per VM at a time: a second stop or a delete during a start is 409, not a race.
  const busy = new Map<string, string>();
  const claim = (id: string, kind: string) => {
    const running = busy.get(id);
    if (running) throw conflict(`VM ${id} is busy: ${running} is running`, { vm: id, running });
    busy.set(id, kind);
  };
  // Claims the VM and runs the work as an operation that releases it (called once the caller's
  // checks passed, with nothing async in between).
  const begin = <T>(
    id: string,
    kind: string,
    message: string,
    work: (op: OperationHandle) => Promise<T>,
  ): Operation => {
    claim(id, kind);
    return opts.operations.start(kind, message, (op) => work(op).finally(() => busy.delete(id)));
  };

  const mustGet = async (id: string) => {
    const vm = await driver.getVm(id);
    if (!vm) throw noSuchObject('VM', id);
    return vm;
  };
  const expect = (vm: VmRuntime, states: VmRuntimeState[]) => {
    if (!states.includes(vm.state)) throw vmBadPowerState(vm.id, states, vm.state);
  };

  // MemAvailable does not yet include what running guests will still touch: a QEMU process
  // grows towards its configured RAM, so each running VM's not-yet-resident part is reserved.
  const checkMemory = async (neededMiB: number) => {
    let reserved = 0;
    for (const vm of await driver.listVms()) {
      if (!ON.includes(vm.state)) continue;
      const rss = (await driver.vmStats(vm.id))?.rssBytes ?? 0;
      reserved += Math.max(0, vm.memoryMiB * MiB - rss);
    }
    const freeMiB = Math.floor(Math.max(0, (await memAvailable()) - reserved) / MiB);
    if (neededMiB > freeMiB) throw insufficientCapacity(opts.hostName, neededMiB, freeMiB);
  };

  const mustExist = (type: string, file: string | undefined, field: string) => {
    if (file === undefined) return;
    if (!path.isAbsolute(file)) throw invalidInput({ [field]: ['must be an absolute path'] });
    if (!existsSync(file)) throw noSuchObject(type, file);
  };

  // A new VM with an overlay disk (create, linked clone): pool, boot files, no such VM yet, room
  // for its first writes, and memory when it starts at once. Answers before any 202.
  async function checkNewVm(req: NewVmCheck): Promise<{ pool: PoolConfig; vmDir: string }> {
    const pool = opts.pools.find((p) => p.name === req.pool);
    if (!pool)
      throw invalidInput({ pool: [`unknown pool; this host has ${opts.pools.map((p) => p.name).join(', ')}`] });
    mustExist('kernel', req.boot.kernelPath, 'boot.kernelPath');
    mustExist('initrd', req.boot.initrdPath, 'boot.initrdPath');
    const vmDir = path.join(pool.path, 'vms', req.id);
    if (busy.has(req.id) || (await driver.getVm(req.id)) || existsSync(vmDir)) throw alreadyExists('VM', req.id);
    if (req.start) await checkMemory(req.memoryMiB);
    const free = await poolFree(pool.path);
    if (free < OVERLAY_RESERVE_BYTES) throw storageFull(pool.name, OVERLAY_RESERVE_BYTES, free);
    return { pool, vmDir };
  }

  async function createVm(req: CreateVmInput): Promise<Operation> {
    mustExist('image disk', req.baseImagePath, 'baseImagePath');
    const { pool, vmDir } = await checkNewVm(req);

    const spec: VmSpec = {
      id: req.id,
      name: req.name,
      vcpus: req.vcpus,
      memoryMiB: req.memoryMiB,
      pool: pool.name,
      vmDir,
      diskPath: path.join(vmDir, 'disk0.qcow2'),
      boot: req.boot,
    };
    return begin(req.id, 'vm.create', `creating VM ${req.id}`, () =>
      UndoStack.run(log, async (undo) => {
        await mkdir(vmDir, { recursive: true });
        undo.push(`remove ${vmDir}`, () => rm(vmDir, { recursive: true, force: true }));
        await step('create overlay disk', () =>
          driver.createOverlay(spec.diskPath, req.baseImagePath, req.diskSizeBytes),
        );
        await step('define VM', () => driver.defineVm(spec));
        undo.push(`undefine VM ${req.id}`, () => driver.undefineVm(req.id));
        if (!req.start) return mustGet(req.id);
        // Registered before starting: a start that fails half-way may leave a process behind.
        undo.push(`kill VM ${req.id}`, async () => {
          const state = (await driver.getVm(req.id))?.state;
          if (state && ON.includes(state)) await driver.killVm(req.id);
        });
        const vm = await step('start VM', () => driver.startVm(req.id));
        log(`created VM ${req.id} in pool ${pool.name} (pid ${vm.pid ?? '-'})`);
        return vm;
      }),
    );
  }

  return {
    createVm,
    checkNewVm,
    // Other VM features' long operations (snapshots) claim the VM the same way.
    begin,
    // Several VMs for one call (group checkpoints): all or none; each id is given back on its own.
    claimAll(ids: string[], kind: string): Map<string, () => void> {
      const taken: string[] = [];
      try {
        for (const id of ids) {
          claim(id, kind);
          taken.push(id);
        }
      } catch (err) {
        for (const id of taken) busy.delete(id);
        throw err;
      }
      const release = (id: string) => {
        let done = false;
        return () => void (done || ((done = true), busy.delete(id)));
      };
      return new Map(taken.map((id) => [id, release(id)]));
    },
    listVms: () => driver.listVms(),
    getVm: mustGet,
    async startVm(id: string): Promise<Operation> {
      const vm = await mustGet(id);
      if (driver.qemu) refuseStartOfReplica(await driver.qemu.vms.must(id)); // 409 before any 202
      if (driver.qemu) await refuseStartDuringFailback(driver.qemu, await driver.qemu.vms.must(id)); // failback
      expect(vm, OFF);
      await checkMemory(vm.memoryMiB);
      return begin(id, 'vm.start', `starting VM ${id}`, () => step('start VM', () => driver.startVm(id)));
    },
    // Graceful: the driver presses the power button until timeoutSec, then TIMEOUT (VM still on).
    async stopVm(id: string, { force, timeoutSec }: { force: boolean; timeoutSec: number }): Promise<Operation> {
      expect(await mustGet(id), ON);
      return begin(
        id,
        'vm.stop',
        force ? `stopping VM ${id} at once` : `asking VM ${id} to shut down (up to ${timeoutSec} s)`,
        async () => {
          await (force ? driver.killVm(id) : driver.shutdownVm(id, timeoutSec));
          return mustGet(id);
        },
      );
    },
    async restartVm(id: string): Promise<Operation> {
      expect(await mustGet(id), ON);
      return begin(id, 'vm.restart', `resetting VM ${id}`, async () => {
        await driver.resetVm(id);
        return mustGet(id);
      });
    },
    async deleteVm(id: string): Promise<Operation> {
      await mustGet(id);
      // Before anything is killed: undefine refuses again under the VM's lock.
      if (driver.qemu) await refuseUndefineWhileCloned(driver.qemu, id);
      if (driver.qemu) await refuseUndefineOfTestedReplica(await driver.qemu.vms.must(id));
      return begin(id, 'vm.delete', `deleting VM ${id}`, async () => {
        const vm = await mustGet(id);
        if (ON.includes(vm.state)) await driver.killVm(id);
        await driver.undefineVm(id);
        log(`deleted VM ${id}`);
        return null;
      });
    },
    async consoleTail(id: string, lines: number) {
      await mustGet(id);
      return driver.consoleTail(id, lines);
    },
    async sendSerial(id: string, line: string) {
      expect(await mustGet(id), ['running']);
      await driver.sendSerial(id, line);
    },
  };
}
