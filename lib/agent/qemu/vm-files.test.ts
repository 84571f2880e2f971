import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  exitVerdict,
  hasReadyLine,
  readJson,
  readRange,
  splitConsole,
  tailLines,
  vmPaths,
  writeJson,
} from './vm-files';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vm-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vmPaths', () => {
  it('keeps everything in the VM directory when the socket path fits', () => {
    const p = vmPaths('/pool/vms/a');
    expect(p).toMatchObject({
      spec: '/pool/vms/a/vm.json',
      qmpSocket: '/pool/vms/a/qmp.sock',
      serialLog: '/pool/vms/a/serial.log',
      socketDir: '/pool/vms/a',
    });
  });

  it('moves sockets to a short stable directory when sun_path (108 bytes) would overflow', () => {
    const deep = `/${'x'.repeat(120)}/vms/a`;
    const p = vmPaths(deep);
    expect(p.qmpSocket.length).toBeLessThan(108);
    expect(p.serialLog).toBe(`${deep}/serial.log`);
    expect(vmPaths(deep).qmpSocket).toBe(p.qmpSocket); // same answer after an agent restart
    expect(vmPaths(`${deep}b`).qmpSocket).not.toBe(p.qmpSocket);
  });
});

describe('console log helpers', () => {
  it('tails the last lines without CRs, across window boundaries', async () => {
    const file = path.join(dir, 'serial.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'.'.repeat(40)}`);
    await writeFile(file, `${lines.join('\r\n')}\r\n`);
    expect(await tailLines(file, 3)).toEqual({ lines: lines.slice(-3), partial: '' });
    expect((await tailLines(file, 4000)).lines).toEqual(lines.slice(-4000));
    expect(await tailLines(path.join(dir, 'missing'), 3)).toEqual({ lines: [], partial: '' });
  });

  it('holds back the unfinished last line, so a reply being written is never read as a whole line', async () => {
    const file = path.join(dir, 'serial-partial.log');
    await writeFile(file, 'VMOPS-READY\r\nVMOPS-RECORDS first=1');
    expect(await tailLines(file, 10)).toEqual({ lines: ['VMOPS-READY'], partial: 'VMOPS-RECORDS first=1' });
    expect(splitConsole('a\r\nb\r\n/ # ', 1)).toEqual({ lines: ['b'], partial: '/ # ' });
    expect(splitConsole('', 5)).toEqual({ lines: [], partial: '' });
  });

  it('reads from an offset and finds the ready line', async () => {
    const file = path.join(dir, 'serial.log');
    await writeFile(file, 'old boot\r\nVMOPS-READY uptime=1.00\r\nnew boot\r\n');
    const second = 'old boot\r\nVMOPS-READY uptime=1.00\r\n'.length;
    expect(hasReadyLine(await readRange(file, 0))).toBe(true);
    expect(hasReadyLine(await readRange(file, second))).toBe(false);
  });

  it('writes JSON atomically and reads null for a missing file', async () => {
    const file = path.join(dir, 'run.json');
    expect(await readJson(file)).toBeNull();
    await writeJson(file, { pid: 1 });
    expect(await readJson(file)).toEqual({ pid: 1 });
  });
});

describe('exitVerdict', () => {
  it('is clean for a guest power-off, a quit, a signal and our kill', () => {
    for (const r of ['guest-shutdown', 'host-qmp-quit', 'host-signal', 'vmops-kill'])
      expect(exitVerdict(r, '').clean).toBe(true);
  });

  it('tells a guest reboot (-no-reboot exit) from a panic', () => {
    expect(exitVerdict('guest-reset', 'reboot: Restarting system').clean).toBe(true);
    expect(exitVerdict('guest-reset', 'Kernel panic - not syncing: Attempted to kill init!')).toEqual({
      clean: false,
      reason: 'guest kernel panic',
    });
    expect(exitVerdict('guest-panic', '').clean).toBe(false);
  });

  it('without a SHUTDOWN event, trusts a power-down line on the console, else crashed', () => {
    expect(exitVerdict(null, 'VMOPS-POWEROFF\r\n[   18.17] reboot: Power down\r\n').clean).toBe(true);
    expect(exitVerdict(null, 'VMOPS-OK seq=3\r\n')).toEqual({
      clean: false,
      reason: 'QEMU exited without a clean shutdown',
    });
  });
});
