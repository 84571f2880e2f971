// The real QEMU driver against real QEMU (TCG here) and the tiny-linux test guest built by
// scripts/build-guest.sh. A machine without QEMU FAILS this file: it never skips.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Driver, VmSpec } from '../driver/types';
import { ask, buildGuest, driverConsole, GUEST_DISK, guestBoot } from '@/lib/testing/guest';
import { waitFor as waitForShared } from '@/lib/wait-for';
import { createQemuDriver, findQemuBinary } from './index';

const MiB = 1024 * 1024;

let tmp: string;
let pools: { name: string; kind: 'local'; path: string }[];
let driver: Driver;
const drivers: Driver[] = [];
const logs: string[] = [];
const log = (m: string) => logs.push(m);

const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0; // a zombie has an empty cmdline
  } catch {
    return false;
  }
};
// Every QEMU process whose command line names this VM id.
const qemuPidsFor = (id: string) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(`${id},debug-threads=on`);
      } catch {
        return false;
      }
    })
    .map(Number);

// The shared waitFor, with the driver's recent log in the timeout message.
const waitFor = <T>(what: string, fn: () => Promise<T | null | false | undefined>, timeoutMs: number, pollMs = 100) =>
  waitForShared(what, fn, timeoutMs, pollMs, () => logs.slice(-20).join('\n'));

async function newDriver() {
  const d = await createQemuDriver({ pools, log });
  drivers.push(d);
  return d;
}

function specFor(id: string, boot: VmSpec['boot'] = guestBoot()): VmSpec {
  const vmDir = path.join(pools[0].path, 'vms', id);
  return {
    id,
    name: id,
    vcpus: 1,
    memoryMiB: 128,
    pool: 'local',
    vmDir,
    diskPath: path.join(vmDir, 'disk0.qcow2'),
    boot,
  };
}

beforeAll(async () => {
  // Missing QEMU is a failure of this suite, with the reason in the message.
  expect(
    findQemuBinary(),
    'qemu-system-x86_64 must be installed (apt-get install qemu-system-x86 qemu-utils)',
  ).not.toBeNull();
  buildGuest();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'vmops-qemu-integ-'));
  pools = [{ name: 'local', kind: 'local', path: path.join(tmp, 'local') }];
  driver = await newDriver();
});

afterAll(async () => {
  // Never leave QEMU behind, whatever failed.
  const d = drivers.at(-1);
  for (const vm of d ? await d.listVms().catch(() => []) : []) {
    if (vm.pid && alive(vm.pid)) await d!.killVm(vm.id).catch(() => process.kill(vm.pid!, 'SIGKILL'));
  }
  for (const x of drivers) await x.close().catch(() => {});
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('QEMU driver (real QEMU, tiny-linux guest)', () => {
  it('reports QEMU version and the accelerator it chose', async () => {
    const info = await driver.info();
    expect(info.kind).toBe('qemu');
    expect(info.qemuVersion).toMatch(/^\d+\.\d+/);
    expect(['kvm', 'tcg']).toContain(info.accelerator);
    expect(info.acceleratorReason).toMatch(/^(KVM|TCG): /);
    console.log(`accelerator: ${info.acceleratorReason}`);
  });

  it("qemu-img: overlays, info, convert with progress, errors in qemu-img's words", async () => {
    const base = GUEST_DISK;
    const disk = path.join(tmp, 'img', 'overlay.qcow2');
    await driver.createOverlay(disk, base, 128 * MiB);
    expect(await driver.diskInfo(disk)).toMatchObject({
      format: 'qcow2',
      virtualSizeBytes: 128 * MiB,
      backingPath: base,
    });
    await expect(driver.createOverlay(disk, base, 128 * MiB)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(driver.diskInfo(path.join(tmp, 'nope.qcow2'))).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });

    const raw = path.join(tmp, 'img', 'src.raw');
    execFileSync('qemu-img', ['create', '-q', '-f', 'raw', raw, String(32 * MiB)]);
    execFileSync('dd', ['if=/dev/urandom', `of=${raw}`, 'bs=1M', 'count=8', 'conv=notrunc'], { stdio: 'ignore' });
    const progress: number[] = [];
    const dest = path.join(tmp, 'img', 'converted.qcow2');
    await driver.convertToQcow2(raw, dest, (f) => progress.push(f));
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await driver.diskInfo(dest)).toMatchObject({
      format: 'qcow2',
      virtualSizeBytes: 32 * MiB,
      backingPath: null,
    });
    expect(existsSync(`${dest}.part-${process.pid}`)).toBe(false);

    // A file qemu-img cannot read as an image: its own message comes back, nothing is left.
    const dir = path.join(tmp, 'img', 'a-directory');
    execFileSync('mkdir', ['-p', dir]);
    const err = await driver.convertToQcow2(dir, path.join(tmp, 'img', 'bad.qcow2')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QEMU_ERROR', data: { what: 'qemu-img convert', source: 'qemu' } });
    expect((err as Error).message).toMatch(/qemu-img: /);
    expect(existsSync(path.join(tmp, 'img', 'bad.qcow2'))).toBe(false);
  });

  it('boots, writes records, reports stats, survives a driver restart and shuts down gracefully', async () => {
    const spec = specFor('integ-a');
    await driver.createOverlay(spec.diskPath, GUEST_DISK, 64 * MiB);
    const di = await driver.diskInfo(spec.diskPath);
    expect(di).toMatchObject({ format: 'qcow2', virtualSizeBytes: 64 * MiB, backingPath: GUEST_DISK });
    await driver.defineVm(spec);
    expect(await driver.getVm('integ-a')).toMatchObject({ state: 'shutoff', pid: null, guestReady: false });

    const t0 = Date.now();
    const vm = await driver.startVm('integ-a');
    expect(vm).toMatchObject({ state: 'running', guestReady: false });
    expect(vm.pid).toBeGreaterThan(0);
    await waitFor('VMOPS-READY', async () => (await driver.getVm('integ-a'))?.guestReady, 120_000, 50);
    const bootMs = Date.now() - t0;
    console.log(`boot time (spawn to VMOPS-READY) under ${vm.accelerator}: ${bootMs} ms`);
    await expect(driver.startVm('integ-a')).rejects.toMatchObject({ code: 'VM_BAD_POWER_STATE' });

    await ask(driverConsole(driver), 'integ-a', 'write 5', /^VMOPS-OK seq=5$/, 30_000);
    const stats = await driver.vmStats('integ-a');
    expect(stats!.cpuTimeMs).toBeGreaterThan(0);
    expect(stats!.rssBytes).toBeGreaterThan(10 * MiB);
    expect(stats!.diskWrBytes).toBeGreaterThanOrEqual(5 * 512);
    expect(stats!.diskWrOps).toBeGreaterThan(0);

    // The agent goes away; QEMU must not.
    await driver.close();
    expect(alive(vm.pid!)).toBe(true);
    const d2 = await newDriver();
    await d2.reattach();
    const again = await d2.getVm('integ-a');
    expect(again).toMatchObject({ state: 'running', pid: vm.pid, startedAt: vm.startedAt, guestReady: true });
    await ask(driverConsole(d2), 'integ-a', 'status', /^VMOPS-STATUS uptime=[\d.]+ seq=5 burn=0$/, 30_000);

    const tStop = Date.now();
    await d2.shutdownVm('integ-a', 60);
    console.log(`graceful shutdown took ${Date.now() - tStop} ms`);
    expect(await d2.getVm('integ-a')).toMatchObject({ state: 'shutoff', pid: null, guestReady: false });
    expect(alive(vm.pid!)).toBe(false);
    expect((await d2.consoleTail('integ-a', 20)).lines.join('\n')).toMatch(/VMOPS-POWEROFF/);
    await expect(d2.sendSerial('integ-a', 'status')).rejects.toMatchObject({ code: 'VM_BAD_POWER_STATE' });

    await d2.undefineVm('integ-a');
    expect(existsSync(spec.vmDir)).toBe(false);
    expect(await d2.getVm('integ-a')).toBeNull();
    driver = d2;
  });

  // QEMU serves one QMP client at a time: the metrics sampler polling while a start holds the
  // connection once stalled the start for 30 s. Poll as hard as a busy agent would.
  it('a start is not disturbed by status and stats polling at the same time', async () => {
    const spec = specFor('integ-poll');
    await driver.createOverlay(spec.diskPath, GUEST_DISK, 64 * MiB);
    await driver.defineVm(spec);
    let starting = true;
    const poller = (async () => {
      while (starting) {
        await driver.listVms();
        await driver.vmStats('integ-poll');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const t0 = Date.now();
    const vm = await driver.startVm('integ-poll').finally(() => (starting = false));
    await poller;
    expect(vm.state).toBe('running');
    expect(Date.now() - t0).toBeLessThan(10_000); // a stall shows as the 30 s start timeout
    // No second QMP client was even tried while the start held the connection.
    expect(logs.filter((l) => l.includes('integ-poll') && /attach/.test(l))).toEqual([]);
    expect(await driver.vmStats('integ-poll')).toMatchObject({ cpuTimeMs: expect.any(Number) });
    await driver.killVm('integ-poll');
    await driver.undefineVm('integ-poll');
  });

  it('a QEMU that refuses to start fails with its own message and leaves no process', async () => {
    const spec = specFor('integ-bad', { ...guestBoot(), kernelPath: path.join(tmp, 'no-such-vmlinux') });
    await driver.createOverlay(spec.diskPath, GUEST_DISK, 64 * MiB);
    await driver.defineVm(spec);
    const err = await driver.startVm('integ-bad').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QEMU_ERROR', data: { source: 'qemu' } });
    expect((err as Error).message).toMatch(/could not (open|load) kernel.*no-such-vmlinux/);
    console.log(`start failure message: ${(err as Error).message}`);
    expect(qemuPidsFor('integ-bad')).toEqual([]);
    expect(await driver.getVm('integ-bad')).toMatchObject({ state: 'shutoff', pid: null });
    await driver.undefineVm('integ-bad');
  });

  it('reset reboots the guest (records survive), kill -9 from outside is crashed, kill is clean', async () => {
    const spec = specFor('integ-c');
    await driver.createOverlay(spec.diskPath, GUEST_DISK, 64 * MiB);
    await driver.defineVm(spec);
    const first = await driver.startVm('integ-c');
    await waitFor('ready', async () => (await driver.getVm('integ-c'))?.guestReady, 120_000);
    await ask(driverConsole(driver), 'integ-c', 'write 3', /^VMOPS-OK seq=3$/, 30_000);

    const readyLines = async () =>
      (await driver.consoleTail('integ-c', 2000)).lines.filter((l) => l.startsWith('VMOPS-READY')).length;
    const readyBefore = await readyLines();
    await driver.resetVm('integ-c');
    expect(await driver.getVm('integ-c')).toMatchObject({ state: 'running', pid: first.pid });
    // Ready again only once the rebooted guest says so (the flag was cleared by the reset).
    await waitFor(
      'ready after reset',
      async () => (await readyLines()) > readyBefore && (await driver.getVm('integ-c'))?.guestReady,
      120_000,
    );
    await ask(driverConsole(driver), 'integ-c', 'read', /^VMOPS-RECORDS first=1 last=3 count=3 gaps=0$/, 30_000);

    process.kill(first.pid!, 'SIGKILL'); // not through the driver: a crash
    await waitFor('crashed', async () => (await driver.getVm('integ-c'))?.state === 'crashed', 10_000);

    const second = await driver.startVm('integ-c');
    expect(second.pid).not.toBe(first.pid);
    // Before the guest's acpid runs, the power button goes unanswered: TIMEOUT, VM left running.
    await expect(driver.shutdownVm('integ-c', 1)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect((await driver.getVm('integ-c'))?.state).toBe('running');
    await driver.killVm('integ-c');
    expect(await driver.getVm('integ-c')).toMatchObject({ state: 'shutoff', pid: null });
    expect(alive(second.pid!)).toBe(false);
    await driver.killVm('integ-c'); // idempotent
  });

  it('a guest that powers off while no driver is attached is found shutoff (not crashed) later', async () => {
    const spec = specFor('integ-c');
    const run = await driver.startVm('integ-c');
    await waitFor('ready', async () => (await driver.getVm('integ-c'))?.guestReady, 120_000);
    await driver.close();
    // Talk to the serial socket directly, as nobody else is attached now.
    const sock = net.createConnection(path.join(spec.vmDir, 'serial.sock'));
    await new Promise((r) => sock.once('connect', r));
    sock.on('data', () => {});
    sock.write('poweroff\n');
    await waitFor('QEMU gone', async () => !alive(run.pid!), 30_000);
    sock.destroy();
    driver = await newDriver();
    await driver.reattach();
    expect(await driver.getVm('integ-c')).toMatchObject({ state: 'shutoff', pid: null });
    expect(JSON.parse(readFileSync(path.join(spec.vmDir, 'exit.json'), 'utf8'))).toMatchObject({
      pid: run.pid,
      clean: true,
    });
    await driver.undefineVm('integ-c');
    expect(existsSync(spec.vmDir)).toBe(false);
  });
});
