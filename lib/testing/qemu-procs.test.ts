import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '@/lib/wait-for';
import { mountNamespaceOf, processesIn, qemuProcesses, startSplitBrainPoller } from './qemu-procs';

// Stand-ins with a QEMU-like argv (argv[0] qemu-system-*, `-name <id>,...`): what the scan reads.
const children: ChildProcess[] = [];
function fakeQemu(vmId: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', '-name', `${vmId},debug-threads=on`], {
    argv0: 'qemu-system-x86_64',
    stdio: 'ignore',
  });
  children.push(c);
  return c;
}
afterEach(() => children.splice(0).forEach((c) => c.kill('SIGKILL')));

const named = (vmId: string) => qemuProcesses().filter((q) => q.vmId === vmId);

describe('QEMU processes seen through /proc', () => {
  it('names the VM of each live QEMU, and its mount namespace', async () => {
    const a = fakeQemu('vm-procs-a');
    await waitFor('fake QEMU', () => named('vm-procs-a').length === 1);
    expect(named('vm-procs-a')).toEqual([{ pid: a.pid, vmId: 'vm-procs-a', mntNs: mountNamespaceOf(process.pid) }]);
    expect(processesIn(mountNamespaceOf(process.pid)!)).toContain(a.pid);
    a.kill('SIGKILL');
    await waitFor('gone', () => named('vm-procs-a').length === 0);
  });

  it('counts the polls that see two live QEMUs naming one VM, and only those', async () => {
    const p = startSplitBrainPoller({ intervalMs: 50, only: (id) => id.startsWith('vm-procs-') });
    fakeQemu('vm-procs-b');
    fakeQemu('vm-procs-c');
    await sleep(300);
    expect(p.samples).toBeGreaterThan(2);
    expect(p.instants).toBe(0);
    fakeQemu('vm-procs-b');
    await waitFor('a doubled VM seen', () => p.instants > 0, 5_000, 20);
    p.stop();
    expect(p.seen[0]).toMatch(/vm-procs-b: pid \d+ \(mnt:\[\d+\]\), pid \d+/);
  });
});
