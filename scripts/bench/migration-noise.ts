// The noise floor under the migration estimate: the same idle test guest migrated back and forth
// between two bare QEMU processes on this machine (no agent, worker or dashboard), the memory copy
// timed from `migrate` to `completed`. However good an estimate, it cannot be closer to every run
// than these durations are to each other.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findQemuBinary } from '@/lib/agent/qemu/binaries';
import { QmpClient } from '@/lib/agent/qemu/qmp-client';
import { guestBoot } from '@/lib/testing/guest';
import { freePort } from '@/lib/net/free-port';
import { sleep } from '@/lib/wait-for';

type Qemu = { proc: ChildProcess; qmp: QmpClient };
type QueryMigrate = { status?: string; ram?: { transferred?: number } };

async function bareQemu(dir: string, name: string, incoming: boolean): Promise<Qemu> {
  const boot = guestBoot();
  const sock = path.join(dir, `${name}.qmp`);
  rmSync(sock, { force: true });
  const proc = spawn(
    findQemuBinary()!,
    [
      ...['-accel', 'tcg', '-m', '128', '-smp', '1', '-nodefaults', '-no-reboot', '-display', 'none'],
      ...['-kernel', boot.kernelPath, '-initrd', boot.initrdPath, '-append', boot.append, '-serial', 'null'],
      ...['-qmp', `unix:${sock},server=on,wait=off`],
      ...(incoming ? ['-incoming', 'defer'] : []),
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    const qmp = await QmpClient.connect(sock, { connectTimeoutMs: 2_000 }).catch((e: unknown) => {
      if (i >= 100) throw e;
      return null;
    });
    if (qmp) return { proc, qmp };
    await sleep(20);
  }
}

async function quit(q: Qemu) {
  await q.qmp.execute('quit').catch(() => {});
  if (q.proc.exitCode === null) await new Promise((r) => q.proc.once('exit', r));
}

// Memory copy times (ms) and MiB sent, `rounds` migrations alternating between two processes.
export async function bareMigrationTimes(rounds: number): Promise<{ ms: number[]; mib: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmops-mig-noise-'));
  let src = await bareQemu(dir, 'q0', false);
  const times: number[] = [];
  let mib = 0;
  try {
    await sleep(12_000); // booted and idle
    for (let i = 0; i < rounds; i++) {
      const dst = await bareQemu(dir, `q${(i + 1) % 2}`, true);
      const uri = `tcp:127.0.0.1:${await freePort()}`;
      await dst.qmp.execute('migrate-incoming', { uri });
      await src.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 1024 ** 3, 'downtime-limit': 300 });
      const t0 = performance.now();
      await src.qmp.execute('migrate', { uri });
      let q: QueryMigrate;
      while ((q = await src.qmp.execute<QueryMigrate>('query-migrate')).status !== 'completed') {
        if (q.status === 'failed') throw new Error('bare migration failed');
        await sleep(5);
      }
      times.push(performance.now() - t0);
      mib = (q.ram?.transferred ?? 0) / 1048576;
      await quit(src);
      src = dst;
      await sleep(3_000);
    }
  } finally {
    await quit(src);
    rmSync(dir, { recursive: true, force: true });
  }
  return { ms: times, mib };
}
