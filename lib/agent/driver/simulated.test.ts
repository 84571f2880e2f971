import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitFor } from '@/lib/wait-for';
import { answerGuestCommand, newGuestState } from './simulated-guest';
import { createSimulatedDriver } from './simulated';
import type { Driver, VmSpec } from './types';

let dir: Awaited<ReturnType<typeof tempDir>>;
let driver: Driver;
let base: string;
const spec = (id = 'sim-1'): VmSpec => ({
  id,
  name: id,
  vcpus: 2,
  memoryMiB: 128,
  pool: 'local',
  vmDir: path.join(dir.path, 'pool/vms', id),
  diskPath: path.join(dir.path, 'pool/vms', id, 'disk0.qcow2'),
  boot: {},
});

beforeEach(async () => {
  dir = await tempDir();
  base = path.join(dir.path, 'base.raw');
  await writeFile(base, Buffer.alloc(4096));
  driver = createSimulatedDriver({ pools: [{ name: 'local', path: path.join(dir.path, 'pool') }], bootDelayMs: 50 });
});
afterEach(async () => {
  await driver.close();
  await dir.remove();
});

async function started(id = 'sim-1') {
  const s = spec(id);
  await driver.defineVm(s);
  await driver.createOverlay(s.diskPath, base, 1 << 20);
  await driver.startVm(id);
  await waitFor('guest ready', async () => (await driver.getVm(id))?.guestReady);
  return s;
}

describe('simulated guest protocol', () => {
  it('answers in the VMOPS- line format', () => {
    const g = newGuestState(0);
    expect(answerGuestCommand(g, 'read', 0).lines).toEqual(['VMOPS-RECORDS first=0 last=0 count=0 gaps=0']);
    expect(answerGuestCommand(g, 'write 7', 3000)).toMatchObject({ lines: ['VMOPS-OK seq=7'], wroteBytes: 7 * 512 });
    expect(answerGuestCommand(g, 'write 2', 3000).lines).toEqual(['VMOPS-OK seq=9']);
    expect(answerGuestCommand(g, 'burn on', 3000).lines).toEqual(['VMOPS-OK burn=1']);
    expect(answerGuestCommand(g, 'status', 2500).lines).toEqual(['VMOPS-STATUS uptime=2.50 seq=9 burn=1']);
    expect(answerGuestCommand(g, 'read', 4000).lines).toEqual(['VMOPS-RECORDS first=1 last=9 count=9 gaps=0']);
    expect(answerGuestCommand(g, 'write x', 0).lines).toEqual(['VMOPS-ERR usage: write N']);
    expect(answerGuestCommand(g, 'fly', 0).lines).toEqual(['VMOPS-ERR unknown command']);
    expect(answerGuestCommand(g, 'poweroff', 0)).toMatchObject({ lines: ['VMOPS-OK poweroff'], powerOff: true });
  });
});

describe('simulated driver', () => {
  it('boots to VMOPS-READY and answers serial commands on the console', async () => {
    await started();
    const vm = await driver.getVm('sim-1');
    expect(vm).toMatchObject({ state: 'running', guestReady: true, accelerator: 'none', pid: null });
    await driver.sendSerial('sim-1', 'write 3');
    await driver.sendSerial('sim-1', 'status');
    const tail = (await driver.consoleTail('sim-1', 3)).lines;
    expect(tail[0]).toMatch(/^VMOPS-READY uptime=[\d.]+$/);
    expect(tail[1]).toBe('VMOPS-OK seq=3');
    expect(tail[2]).toMatch(/^VMOPS-STATUS uptime=[\d.]+ seq=3 burn=0$/);
    expect((await driver.consoleTail('sim-1', 100)).lines.some((l) => l.includes('SIMULATED DRIVER'))).toBe(true);
  });

  it('produces stats that grow with burn and count disk writes', async () => {
    await started();
    const a = (await driver.vmStats('sim-1'))!;
    await driver.sendSerial('sim-1', 'burn on');
    await driver.sendSerial('sim-1', 'write 1');
    await new Promise((r) => setTimeout(r, 200));
    const b = (await driver.vmStats('sim-1'))!;
    // ~2 vCPUs * 0.97 * 200 ms of burn
    expect(b.cpuTimeMs - a.cpuTimeMs).toBeGreaterThan(250);
    expect(b.diskWrBytes - a.diskWrBytes).toBe(512);
    await driver.sendSerial('sim-1', 'poweroff');
    expect((await driver.getVm('sim-1'))?.state).toBe('shutoff');
    expect(b.rssBytes).toBeGreaterThan(30 * 1024 * 1024);
  });

  it('refuses bad power states and removes the VM dir on undefine', async () => {
    const s = await started();
    await expect(driver.undefineVm('sim-1')).rejects.toMatchObject({ code: 'VM_BAD_POWER_STATE' });
    await expect(driver.startVm('sim-1')).rejects.toMatchObject({ code: 'VM_BAD_POWER_STATE' });
    await driver.shutdownVm('sim-1', 5);
    expect((await driver.getVm('sim-1'))?.state).toBe('shutoff');
    expect(await driver.vmStats('sim-1')).toBeNull();
    await driver.undefineVm('sim-1');
    expect(existsSync(s.vmDir)).toBe(false);
    expect(await driver.getVm('sim-1')).toBeNull();
  });

  it('re-attaches running VMs from vm.json after a restart', async () => {
    await started();
    await driver.sendSerial('sim-1', 'write 9');
    await driver.sendSerial('sim-1', 'burn on');
    await driver.close();
    const again = createSimulatedDriver({ pools: [{ name: 'local', path: path.join(dir.path, 'pool') }] });
    await again.reattach();
    expect(await again.getVm('sim-1')).toMatchObject({ state: 'running', guestReady: true });
    await again.sendSerial('sim-1', 'read');
    await again.sendSerial('sim-1', 'status');
    expect((await again.consoleTail('sim-1', 2)).lines).toEqual([
      'VMOPS-RECORDS first=1 last=9 count=9 gaps=0',
      expect.stringMatching(/seq=9 burn=0$/),
    ]);
    await again.close();
  });

  it('reports overlay info and fails like qemu-img on a missing base', async () => {
    const s = await started();
    expect(await driver.diskInfo(s.diskPath)).toMatchObject({
      format: 'qcow2',
      backingPath: base,
      virtualSizeBytes: 1 << 20,
    });
    await expect(driver.createOverlay(path.join(dir.path, 'x.qcow2'), '/nope.qcow2', 1)).rejects.toThrow(
      /Could not open '\/nope.qcow2'/,
    );
  });
});
