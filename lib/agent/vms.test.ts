import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolConfig } from './config';
import { createSimulatedDriver } from './driver/simulated';
import type { Driver } from './driver/types';
import { timeout } from '@/lib/errors';
import { ensurePools } from './host-info';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitForOperation } from '@/lib/agent-client/wait';
import { Operations } from './operations';
import type { Operation, VmRuntime } from '@/lib/agent-protocol/core';
import { createVmService, OVERLAY_RESERVE_BYTES, type CreateVmInput } from './vms';

const MiB = 1024 * 1024;
let dir: Awaited<ReturnType<typeof tempDir>>;
let pools: PoolConfig[];
let base: string;
let driver: Driver;
const logs: string[] = [];

beforeEach(async () => {
  dir = await tempDir();
  pools = [{ name: 'local', kind: 'local', path: path.join(dir.path, 'pool') }];
  base = path.join(dir.path, 'base.img');
  await writeFile(base, Buffer.alloc(8192));
  await ensurePools(pools);
  driver = createSimulatedDriver({ pools, bootDelayMs: 20 });
  logs.length = 0;
});
afterEach(async () => {
  await driver.close();
  await dir.remove();
});

const req = (over: Partial<CreateVmInput> = {}): CreateVmInput => ({
  id: 'vm-one',
  name: 'one',
  vcpus: 1,
  memoryMiB: 128,
  diskSizeBytes: 64 * MiB,
  pool: 'local',
  baseImagePath: base,
  boot: {},
  start: true,
  ...over,
});
const operations = new Operations(() => {});
// Long calls answer an operation at once; these tests mostly want its outcome, as the client waits for it.
const outcome = async <T>(started: Promise<Operation>): Promise<T> =>
  (
    await waitForOperation({ getOperation: async (id) => operations.get(id) }, (await started).id, undefined, {
      intervalMs: 5,
    })
  ).result as T;
const rawService = (d: Driver = driver, mem = 4096 * MiB, free = 1024 * MiB) =>
  createVmService({
    driver: d,
    pools,
    hostName: 'h1',
    operations,
    log: (l) => logs.push(l),
    memAvailableBytes: async () => mem,
    poolFreeBytes: async () => free,
  });
const service = (...args: Parameters<typeof rawService>) => {
  const s = rawService(...args);
  return {
    ...s,
    createVm: (r: CreateVmInput) => outcome<VmRuntime>(s.createVm(r)),
    startVm: (id: string) => outcome<VmRuntime>(s.startVm(id)),
    stopVm: (id: string, o: { force: boolean; timeoutSec: number }) => outcome<VmRuntime>(s.stopVm(id, o)),
    deleteVm: (id: string) => outcome<null>(s.deleteVm(id)),
  };
};
const vmsDir = () => path.join(pools[0].path, 'vms');

describe('VM service', () => {
  it('creates overlay + definition and starts the VM', async () => {
    const vm = await service().createVm(req());
    expect(vm).toMatchObject({ id: 'vm-one', state: 'running', diskPath: path.join(vmsDir(), 'vm-one/disk0.qcow2') });
    expect(await driver.diskInfo(vm.diskPath)).toMatchObject({ backingPath: base });
    await expect(service().createVm(req())).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('undoes everything when start fails, passing QEMU words on', async () => {
    const failing: Driver = {
      ...driver,
      startVm: async () => {
        throw new Error("qemu-system-x86_64: -kernel /x: could not load kernel '/x'");
      },
    };
    const err = await service(failing)
      .createVm(req())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QEMU_ERROR', status: 500, data: { source: 'qemu', what: 'start VM' } });
    expect((err as Error).message).toContain("could not load kernel '/x'");
    expect(await readdir(vmsDir())).toEqual([]); // no orphan disk or directory
    expect(await driver.getVm('vm-one')).toBeNull();
    expect(logs.join('\n')).toMatch(/undo: undefine VM vm-one[\s\S]*undo: remove/);
  });

  it('undoes the disk when define fails', async () => {
    const failing: Driver = {
      ...driver,
      defineVm: async () => {
        throw new Error('disk locked');
      },
    };
    await expect(service(failing).createVm(req())).rejects.toMatchObject({ code: 'QEMU_ERROR' });
    expect(existsSync(path.join(vmsDir(), 'vm-one'))).toBe(false);
  });

  it('refuses a VM that does not fit in free memory with the numbers', async () => {
    await expect(service(driver, 100 * MiB).createVm(req({ memoryMiB: 256 }))).rejects.toMatchObject({
      code: 'INSUFFICIENT_CAPACITY',
      status: 409,
      data: { host: 'h1', neededMiB: 256, freeMiB: 100 },
    });
    expect(await readdir(vmsDir())).toEqual([]);
  });

  it('counts the not-yet-resident memory of running VMs as taken', async () => {
    await service().createVm(req({ id: 'big-vm', memoryMiB: 1024 }));
    // 1500 MiB available, but the running 1 GiB VM has only ~30% resident: ~700 MiB reserved
    await expect(service(driver, 1500 * MiB).createVm(req({ memoryMiB: 1000 }))).rejects.toMatchObject({
      code: 'INSUFFICIENT_CAPACITY',
    });
  });

  it('answers 404 for a missing base image and 507 for a full pool', async () => {
    await expect(service().createVm(req({ baseImagePath: '/nope/disk.qcow2' }))).rejects.toMatchObject({
      code: 'NO_SUCH_OBJECT',
      status: 404,
    });
    await expect(service(driver, 4096 * MiB, MiB).createVm(req())).rejects.toMatchObject({
      code: 'STORAGE_FULL',
      data: { neededBytes: OVERLAY_RESERVE_BYTES, freeBytes: MiB },
    });
    await expect(service().createVm(req({ pool: 'fast' }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('stops gracefully or by force, and delete kills then removes', async () => {
    const s = service();
    await s.createVm(req());
    expect((await s.stopVm('vm-one', { force: false, timeoutSec: 5 })).state).toBe('shutoff');
    await expect(s.stopVm('vm-one', { force: true, timeoutSec: 5 })).rejects.toMatchObject({
      code: 'VM_BAD_POWER_STATE',
    });
    expect((await s.startVm('vm-one')).state).toBe('running');
    await s.deleteVm('vm-one');
    expect(existsSync(path.join(vmsDir(), 'vm-one'))).toBe(false);
    await expect(s.getVm('vm-one')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
  });

  it('answers long calls with an operation at once, checks first, one long call per VM at a time', async () => {
    let release = () => {};
    const slowStop: Driver = {
      ...driver,
      shutdownVm: () => new Promise<void>((r) => (release = r)).then(() => driver.killVm('vm-one')),
    };
    const s = rawService(slowStop);
    await outcome(s.createVm(req()));
    const stop = await s.stopVm('vm-one', { force: false, timeoutSec: 60 });
    expect(stop).toMatchObject({ kind: 'vm.stop', state: 'running' }); // the guest is still shutting down
    await expect(s.restartVm('vm-one')).rejects.toMatchObject({
      code: 'CONFLICT',
      status: 409,
      data: { running: 'vm.stop' },
    });
    await expect(s.deleteVm('vm-one')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(s.startVm('nope')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' }); // checks answer at once
    release();
    expect(await outcome<VmRuntime>(Promise.resolve(stop))).toMatchObject({ id: 'vm-one', state: 'shutoff' });
    await expect(s.stopVm('vm-one', { force: true, timeoutSec: 5 })).rejects.toMatchObject({
      code: 'VM_BAD_POWER_STATE',
    });
    await outcome(s.deleteVm('vm-one')); // the claim is released once the stop is over
  });

  it("fails the operation with the driver's coded error (a graceful stop the guest ignores: TIMEOUT)", async () => {
    const ignoring: Driver = {
      ...driver,
      shutdownVm: async (id, sec) => Promise.reject(timeout(`Graceful shutdown of VM ${id} (ACPI power button)`, sec)),
    };
    const s = rawService(ignoring);
    await outcome(s.createVm(req()));
    await expect(outcome(s.stopVm('vm-one', { force: false, timeoutSec: 2 }))).rejects.toMatchObject({
      code: 'TIMEOUT',
      status: 504,
      data: { seconds: 2 },
    });
    expect((await s.getVm('vm-one')).state).toBe('running');
  });
});
