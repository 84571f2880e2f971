// The fence watchdog as a real process: it kills a guarded "QEMU" (a node process whose argv
// names the VM the way QEMU's `-name <id>` does) shortly after the deadline and not before, after
// the agent's connection is gone; it spares a pid whose cmdline names another VM; a second agent
// connection finds the same watchdog; it exits when its data dir is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@/lib/testing/temp-dir';
import { sleep, waitFor } from '@/lib/wait-for';
import { isQemuFor } from '../qemu/process';
import { WATCHDOG_GRACE_MS } from './fence-watchdog';
import { msToNs } from './lease-timing';
import { createWatchdogClient } from './watchdog-client';
import { readFencedRecord, watchdogPaths } from './watchdog-wire';

const fakeQemu = (vmId: string): ChildProcess =>
  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', '-name', `${vmId},debug-threads=on`], {
    stdio: 'ignore',
  });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('fence watchdog process', () => {
  const children: ChildProcess[] = [];
  const dirs: { remove(): Promise<void> }[] = [];
  afterAll(async () => {
    children.forEach((c) => c.kill('SIGKILL'));
    for (const d of dirs) await d.remove(); // a watchdog left by a failure exits with its data dir
  });

  it('SIGKILLs the guarded QEMU just after the deadline, once the agent is gone, and only that one', async () => {
    const tmp = await tempDir('vmops-wd-');
    dirs.push(tmp);
    const data = path.join(tmp.path, 'data');
    const logs: string[] = [];
    const guarded = fakeQemu('vm-id-xyz');
    const other = fakeQemu('vm-id-abc'); // fed under the wrong VM id: a recycled pid must be spared
    children.push(guarded, other);
    await waitFor(
      'fake QEMUs up',
      () => isQemuFor(guarded.pid!, 'vm-id-xyz') && isQemuFor(other.pid!, 'vm-id-abc'),
      10_000,
    );

    const agent = createWatchdogClient({ dataDir: data, host: 't1', log: (m) => logs.push(m) });
    await agent.ensure();
    const p = watchdogPaths(data);
    const wdPid = Number((await readFile(p.pidFile, 'utf8')).trim());
    expect(alive(wdPid)).toBe(true);
    expect(statSync(p.socket).mode & 0o077).toBe(0); // a feed could disarm it: the agent's user only

    const deadline = process.hrtime.bigint() + msToNs(2_000);
    agent.feed(deadline, [
      { id: 'vm-id-xyz', pid: guarded.pid! },
      { id: 'vm-nope', pid: other.pid! },
    ]);
    await sleep(300); // the feed is on its way before the "agent" dies
    agent.close(); // the agent's connection is gone (as after a kill -9): the deadline stands

    let diedAt: bigint | null = null;
    while (diedAt === null && process.hrtime.bigint() < deadline + msToNs(5_000)) {
      if (!isQemuFor(guarded.pid!, 'vm-id-xyz')) diedAt = process.hrtime.bigint();
      else await sleep(10);
    }
    expect(diedAt, 'the guarded process was not killed').not.toBeNull();
    const lateMs = Number((diedAt! - deadline) / 1_000_000n);
    expect(lateMs).toBeGreaterThanOrEqual(WATCHDOG_GRACE_MS); // never before the deadline (+ grace for a live agent)
    expect(lateMs).toBeLessThan(2_000); // inside the default 2 s margin: before any peer may declare expiry
    expect(isQemuFor(other.pid!, 'vm-id-abc')).toBe(true);
    // The kill comes first, the record just after it.
    const fenced = await waitFor('fenced.json written', () => readFencedRecord(data), 2_000, 10);
    expect(fenced.killed).toEqual([{ id: 'vm-id-xyz', pid: guarded.pid }]);
    console.log(`watchdog killed the guarded process ${lateMs} ms after the deadline`);

    // A restarted agent reconnects to the same watchdog instead of spawning another.
    const again = createWatchdogClient({ dataDir: data, host: 't1', log: (m) => logs.push(m) });
    await again.ensure();
    expect(logs.filter((l) => l.includes('spawned'))).toHaveLength(1);
    expect(Number((await readFile(p.pidFile, 'utf8')).trim())).toBe(wdPid);
    again.close();

    await tmp.remove();
    await waitFor('watchdog exits once its data dir is gone', () => !alive(wdPid), 5_000);
    expect(existsSync(p.socket)).toBe(false);
  });
});
