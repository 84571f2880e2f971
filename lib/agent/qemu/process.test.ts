import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@/lib/wait-for';
import { isQemuFor, parseVmRssBytes, procStats, sendSignal, spawnQemu, waitForExit } from './process';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'proc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('/proc parsing', () => {
  it('reads VmRSS in bytes', () => {
    expect(parseVmRssBytes('Name:\tqemu\nVmRSS:\t  131072 kB\nThreads:\t3\n')).toBe(131072 * 1024);
    expect(parseVmRssBytes('Name:\tkthread\n')).toBe(0);
  });

  it("reports this process's CPU time and RSS", () => {
    const s = procStats(process.pid)!;
    expect(s.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(s.cpuTimeMs).toBeGreaterThanOrEqual(0);
  });
});

describe('spawnQemu / isQemuFor', () => {
  // A stand-in "QEMU": sh keeps the `-name <id>,debug-threads=on` words in its own cmdline.
  it('spawns detached with output in the log, recognises the pid by VM id, and sees it exit', async () => {
    const log = path.join(dir, 'qemu.log');
    const { pid, child } = await spawnQemu(
      'sh',
      ['-c', 'echo started; sleep 30; true', '-name', 'vm-t1,debug-threads=on'],
      { logPath: log, cwd: dir },
    );
    expect(child.spawnargs).toContain('-name');
    // Its whole first line before the kill: on a loaded machine sh may not have run echo yet.
    await waitFor('the stand-in to start', async () => (await readFile(log, 'utf8')) === 'started\n', 10_000, 20);
    await waitForExit(pid, 'never-matches', 1000); // returns at once: not ours under that id
    expect(isQemuFor(pid, 'vm-t1')).toBe(true);
    expect(isQemuFor(pid, 'vm-t')).toBe(false);
    expect(isQemuFor(process.pid, 'vm-t1')).toBe(false);
    // Its own process group: a signal to ours does not reach it.
    expect(Number((await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')[2])).toBe(pid);
    sendSignal(pid, 'SIGKILL');
    expect(await waitForExit(pid, 'vm-t1', 5000)).toBe(true);
    expect(isQemuFor(pid, 'vm-t1')).toBe(false);
    expect(await readFile(log, 'utf8')).toBe('started\n');
  });

  it('rejects with QEMU_ERROR when the binary does not exist', async () => {
    await expect(
      spawnQemu(path.join(dir, 'no-qemu'), [], { logPath: path.join(dir, 'q.log'), cwd: dir }),
    ).rejects.toMatchObject({ code: 'QEMU_ERROR' });
  });
});
