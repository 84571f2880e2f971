// Backups of a running VM: full backup throughput against `qemu-img convert` of the same disk,
// and incremental bytes written against bytes the guest changed (sequential `writemb`, scattered
// 4 KiB blocks with the guest's `scatter` command).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sha256File } from '@/lib/agent/sha256-file';
import { takeBackup } from '@/lib/agent/backup/take-backup';
import type { BackupResult } from '@/lib/agent-protocol/backup';
import { createQemuDriver } from '@/lib/agent/qemu';
import { waitFor } from '@/lib/wait-for';
import { median, ms, timed, type BenchRow } from './types';

const root = path.resolve(import.meta.dirname, '../..');
const guest = path.join(root, '.cache/guest');
const MiB = 1024 * 1024;
const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

export async function backupBench(): Promise<BenchRow[]> {
  execFileSync('bash', [path.join(root, 'scripts/build-guest.sh')], { stdio: 'inherit' });
  const tmp = mkdtempSync(path.join(tmpdir(), 'vmops-bench-backup-'));
  const pool = { name: 'local', kind: 'local' as const, path: path.join(tmp, 'pool') };
  const driver = await createQemuDriver({ pools: [pool] });
  const ctx = driver.qemu!;
  const id = 'bench-backup';
  const vmDir = path.join(pool.path, 'vms', id);
  const disk = path.join(vmDir, 'disk0.qcow2');
  const repo = path.join(tmp, 'repo');
  const rows: BenchRow[] = [];
  const op = { report() {} };
  const active = new Set<string>();
  let last: BackupResult | null = null;
  const backup = async (pointId: string) => {
    const manifest = { vmName: id, vmSpec: { vcpus: 1, memoryMiB: 128, boot: {}, imageId: null, tags: [] } };
    const req = {
      pointId,
      targetDir: repo,
      bitmap: 'bm',
      parent: last ? { path: last.path } : null,
      forceFull: false,
      manifest,
    };
    last = await ctx.withLock(id, () => takeBackup(ctx, id, req, op, active));
    return last;
  };
  const ask = async (cmd: string, re: RegExp) => {
    const n = (await driver.consoleTail(id, 2000)).lines.filter((l) => re.test(l)).length;
    await driver.sendSerial(id, cmd);
    await waitFor(
      cmd,
      async () => (await driver.consoleTail(id, 2000)).lines.filter((l) => re.test(l)).length > n,
      300_000,
      200,
    );
  };
  try {
    // 1 GiB disk with 320 MiB of data (patterned, written with qemu-io before boot).
    await driver.defineVm({
      id,
      name: id,
      vcpus: 1,
      memoryMiB: 128,
      pool: 'local',
      vmDir,
      diskPath: disk,
      boot: {
        kernelPath: path.join(guest, 'vmlinux'),
        initrdPath: path.join(guest, 'initrd.gz'),
        append: 'console=ttyS0 quiet panic=-1',
      },
    });
    await driver.createOverlay(disk, path.join(guest, 'disk.qcow2'), 1024 * MiB);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x5a 8M 320M', disk], { stdio: 'ignore' });
    await driver.startVm(id);
    await waitFor('guest ready', async () => (await driver.getVm(id))?.guestReady, 180_000, 100);

    const full = await backup('full');
    const converts: number[] = [];
    for (let i = 0; i < 3; i++)
      converts.push(
        (
          await timed(async () =>
            execFileSync('qemu-img', ['convert', '-U', '-O', 'qcow2', disk, path.join(tmp, `convert-${i}.qcow2`)]),
          )
        )[0],
      );
    const conv = median(converts);
    rows.push({
      what: `full backup of a running VM (1 GiB disk, ${mib(full.bytesWritten)} data): time incl. SHA-256`,
      value: `${ms(full.durationMs)} (${(full.bytesWritten / MiB / (full.durationMs / 1000)).toFixed(0)} MiB/s)`,
      yardstick: `qemu-img convert of the same disk: ${ms(conv)} (median of 3)`,
      ratio: (full.durationMs / conv).toFixed(2),
    });
    // convert neither hashes nor flushes: compare the copy alone with a convert made durable.
    const [hashMs] = await timed(() => sha256File(full.path));
    const [durable] = await timed(async () => {
      const out = path.join(tmp, 'convert-sync.qcow2');
      execFileSync('qemu-img', ['convert', '-U', '-O', 'qcow2', disk, out]);
      const fh = await open(out, 'r+');
      await fh.sync();
      await fh.close();
    });
    rows.push({
      what: `same full backup minus its SHA-256 pass (${ms(hashMs)} alone)`,
      value: ms(full.durationMs - hashMs),
      yardstick: `qemu-img convert + fsync of its output: ${ms(durable)}`,
      ratio: ((full.durationMs - hashMs) / durable).toFixed(2),
    });

    await ask('writemb 64 400', /^VMOPS-(OK writemb|ERR)/);
    const seq = await backup('inc-seq');
    rows.push({
      what: 'incremental after 64 MiB of sequential guest writes: bytes written',
      value: mib(seq.bytesWritten),
      yardstick: 'changed: 64.0 MiB',
      ratio: (seq.bytesWritten / (64 * MiB)).toFixed(3),
    });

    // 256 scattered 4 KiB blocks (offsets as the guest computes them): each dirties one 64 KiB
    // bitmap granule, so the yardstick counts the distinct granules too.
    const blocks = (1024 - 4) * 256;
    const granules = new Set(
      Array.from({ length: 256 }, (_, k) => Math.floor((4 * 256 + (((k + 1) * 2654435761) % blocks)) / 16)),
    ).size;
    await ask('scatter 256', /^VMOPS-(OK scatter|ERR)/);
    const scat = await backup('inc-scattered');
    rows.push({
      what: 'incremental after 256 scattered 4 KiB writes: bytes written',
      value: mib(scat.bytesWritten),
      yardstick: `changed: ${mib(256 * 4096)} in ${granules} distinct 64 KiB granules (${mib(granules * 65536)})`,
      ratio: (scat.bytesWritten / (256 * 4096)).toFixed(1),
    });
    rows.push({
      what: 'incremental backup time (scattered case)',
      value: ms(scat.durationMs),
      yardstick: `full: ${ms(full.durationMs)}`,
      ratio: (scat.durationMs / full.durationMs).toFixed(3),
    });
  } finally {
    await driver.killVm(id).catch(() => {});
    await driver.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
