// Copy-on-write provisioning against a full copy, guest boot under the chosen accelerator, and
// the agent's metrics push interval as the dashboard receives it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQemuDriver } from '@/lib/agent/qemu';
import { startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { waitFor } from '@/lib/wait-for';
import { median, ms, timed, type BenchRow } from './types';

const root = path.resolve(import.meta.dirname, '../..');
const guest = path.join(root, '.cache/guest');

export async function provisioningBench(): Promise<BenchRow[]> {
  execFileSync('bash', [path.join(root, 'scripts/build-guest.sh')], { stdio: 'inherit' });
  const tmp = mkdtempSync(path.join(tmpdir(), 'vmops-bench-'));
  const pool = { name: 'local', kind: 'local' as const, path: path.join(tmp, 'pool') };
  const driver = await createQemuDriver({ pools: [pool] });
  const info = await driver.info();
  const rows: BenchRow[] = [];
  try {
    // A 1 GiB base with 256 MiB of data, so a full copy has real work to do.
    const base = path.join(tmp, 'base.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '1G']);
    execFileSync('qemu-io', ['-c', 'write -P 0x5a 0 256M', base], { stdio: 'ignore' });
    const overlay: number[] = [];
    const copy: number[] = [];
    for (let i = 0; i < 5; i++) {
      overlay.push((await timed(() => driver.createOverlay(path.join(tmp, `o${i}.qcow2`), base, 1024 ** 3)))[0]);
      copy.push(
        (
          await timed(async () =>
            execFileSync('qemu-img', ['convert', '-O', 'qcow2', base, path.join(tmp, `c${i}.qcow2`)]),
          )
        )[0],
      );
    }
    rows.push({
      what: 'copy-on-write overlay on a 1 GiB image (median of 5)',
      value: ms(median(overlay)),
      yardstick: `full copy with qemu-img convert: ${ms(median(copy))}`,
      ratio: (median(overlay) / median(copy)).toFixed(4),
    });

    const boots: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = `bench-${i}`;
      const vmDir = path.join(pool.path, 'vms', id);
      const diskPath = path.join(vmDir, 'disk0.qcow2');
      const t = performance.now();
      await driver.defineVm({
        id,
        name: id,
        vcpus: 1,
        memoryMiB: 128,
        pool: 'local',
        vmDir,
        diskPath,
        boot: {
          kernelPath: path.join(guest, 'vmlinux'),
          initrdPath: path.join(guest, 'initrd.gz'),
          append: 'console=ttyS0 quiet panic=-1',
        },
      });
      await driver.createOverlay(diskPath, path.join(guest, 'disk.qcow2'), 64 * 1024 ** 2);
      await driver.startVm(id);
      await waitFor(`${id} ready`, async () => (await driver.getVm(id))?.guestReady, 120_000, 50);
      boots.push(performance.now() - t);
      await driver.killVm(id);
      await driver.undefineVm(id);
    }
    rows.push({
      what: `test guest, create to ready line (${info.accelerator.toUpperCase()}, median of 3)`,
      value: ms(median(boots)),
      yardstick: `min ${ms(Math.min(...boots))}, max ${ms(Math.max(...boots))}; KVM: ${info.accelerator === 'kvm' ? 'in use' : 'not usable here'}`,
      ratio: '-',
    });
    rows.push(await heartbeatInterval(tmp));
  } finally {
    await driver.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

async function heartbeatInterval(tmp: string): Promise<BenchRow> {
  const dash = await startFakeDashboard();
  // `node --import tsx`, not the tsx CLI: the SIGTERM below must reach the agent, not a wrapper.
  const agent = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'lib/agent/main.ts',
      '--name',
      'bench',
      '--port',
      '7391',
      '--data',
      path.join(tmp, 'agent'),
      '--shared',
      path.join(tmp, 'shared'),
      '--dashboard',
      dash.url,
      '--enroll-token',
      dash.token,
      '--driver',
      'qemu',
    ],
    { cwd: root, stdio: 'ignore' },
  );
  try {
    await waitFor('7 heartbeats', () => dash.heartbeats.length >= 7, 120_000, 200);
    const times = dash.heartbeats.slice(1).map((h) => h.receivedAt);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    return {
      what: 'metrics push interval seen by the dashboard (mean of 5)',
      value: ms(mean),
      yardstick: 'configured 5000 ms',
      ratio: (mean / 5000).toFixed(3),
    };
  } finally {
    agent.kill('SIGTERM');
    await dash.close();
  }
}
