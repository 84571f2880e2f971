// Restores on real QEMU (TCG) through the agent's HTTP API: a guest writes sequence records, is
// backed up (full, then incremental) while it runs, writes more; every restore must boot and hold
// exactly the records up to its point. A machine without QEMU FAILS this file: it never skips.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type Operation } from '@/lib/agent-client';
import { waitFor } from '@/lib/wait-for';
import type { RestoreDetail, RestoreResult } from '@/lib/agent-protocol/restore';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { backupRunningVm } from '@/lib/testing/qmp-backup';

let h: QemuTestAgent;
let p1: string; // full backup: records 1..5
let p2: string; // incremental on p1: records 1..9
const GiB = 1024 ** 3;

const vmSpec = (id: string) => ({ id, name: id, vcpus: 1, memoryMiB: 128, pool: 'local', boot: guestBoot() });
const info = (file: string) =>
  JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', file]).toString()) as {
    'backing-filename'?: string;
    'virtual-size': number;
  };

beforeAll(async () => {
  buildGuest();
  h = await startQemuTestAgent();
  const { client } = h;
  await client.createVm({
    id: 'src',
    name: 'src',
    vcpus: 1,
    memoryMiB: 128,
    diskSizeBytes: 64 * 1024 ** 2,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
  });
  await waitGuestReady(client, 'src');
  // Restore point files as a repository holds them: <repository>/<vmId>/rp-<12 hex>.qcow2.
  const backups = path.join(h.shared, 'backups', 'src');
  execFileSync('mkdir', ['-p', backups]);
  await ask(client, 'src', 'write 5', /^VMOPS-OK seq=5$/);
  p1 = path.join(backups, 'rp-000000000001.qcow2');
  await backupRunningVm(h.driver, 'src', p1, null);
  await ask(client, 'src', 'write 4', /^VMOPS-OK seq=9$/);
  p2 = path.join(backups, 'rp-000000000002.qcow2');
  await backupRunningVm(h.driver, 'src', p2, p1);
  await ask(client, 'src', 'write 3', /^VMOPS-OK seq=12$/);
  expect(info(p2)['backing-filename']).toBe(p1);
});

afterAll(async () => {
  await h?.stop();
});

describe('restores on real QEMU', () => {
  it('copy restore of the incremental point boots with exactly records 1..9', async () => {
    const op = await h.client.restoreVm({ vm: vmSpec('copy-a'), sourcePath: p2, mode: 'copy', start: true });
    const done = await waitForOperation(h.client, op.id);
    const result = done.result as RestoreResult;
    expect(info(result.diskPath)['backing-filename']).toBeUndefined();
    await waitGuestReady(h.client, 'copy-a');
    expect(await records(h.client, 'copy-a')).toBe('VMOPS-RECORDS first=1 last=9 count=9 gaps=0');
    console.log(`copy restore: running after ${result.runningAfterMs} ms, total ${result.totalMs} ms`);
    await h.client.deleteVm('copy-a');
  });

  it('instant restore of the full point runs at once, streams to a standalone disk, holds records 1..5', async () => {
    const t0 = Date.now();
    const op = await h.client.restoreVm({ vm: vmSpec('inst-a'), sourcePath: p1, mode: 'instant', start: true });
    const seen: RestoreDetail[] = [];
    const done = await waitForOperation(
      h.client,
      op.id,
      (o: Operation) => o.detail && seen.push(o.detail as RestoreDetail),
      { intervalMs: 50 },
    );
    const result = done.result as RestoreResult;
    console.log(
      `instant restore: running after ${result.runningAfterMs} ms, streamed in ${result.totalMs} ms (request to done ${Date.now() - t0} ms)`,
    );
    expect(result.runningAfterMs).toBeGreaterThan(0);
    expect(result.runningAfterMs!).toBeLessThan(10_000);
    expect(seen.some((d) => d.phase === 'streaming' && d.runningAfterMs === result.runningAfterMs)).toBe(true);
    const disk = info(result.diskPath);
    expect(disk['backing-filename']).toBeUndefined();
    expect(disk['virtual-size']).toBe(info(p1)['virtual-size']);
    const spec = JSON.parse(readFileSync(path.join(path.dirname(result.diskPath), 'vm.json'), 'utf8')) as {
      copyOnRead?: boolean;
    };
    expect(spec.copyOnRead).toBeUndefined();
    await waitGuestReady(h.client, 'inst-a');
    expect(await records(h.client, 'inst-a')).toBe('VMOPS-RECORDS first=1 last=5 count=5 gaps=0');
    // The backup was only read: its image is unchanged and still passes a check.
    execFileSync('qemu-img', ['check', '-U', p1]);
    // The next start is a plain VM: no filter, no backing.
    await h.client.stopVm('inst-a', { force: true });
    await h.client.startVm('inst-a');
    await waitGuestReady(h.client, 'inst-a');
    expect(await records(h.client, 'inst-a')).toBe('VMOPS-RECORDS first=1 last=5 count=5 gaps=0');
    const argv = JSON.parse(readFileSync(path.join(path.dirname(result.diskPath), 'run.json'), 'utf8')) as {
      argv: string[];
    };
    expect(argv.argv.join(' ')).not.toContain('copy-on-read');
    await h.client.deleteVm('inst-a');
  });

  it('instant restore of the incremental point holds records 1..9', async () => {
    const op = await h.client.restoreVm({ vm: vmSpec('inst-b'), sourcePath: p2, mode: 'instant', start: true });
    await waitForOperation(h.client, op.id);
    await waitGuestReady(h.client, 'inst-b');
    expect(await records(h.client, 'inst-b')).toBe('VMOPS-RECORDS first=1 last=9 count=9 gaps=0');
    await h.client.deleteVm('inst-b');
  });

  it('a VM deleted while streaming fails the operation cleanly and leaves nothing behind', async () => {
    // A 4 GiB backup holding 512 MiB: streaming takes long enough to delete the VM in the middle.
    const big = path.join(h.shared, 'backups', 'src', 'rp-00000000b16b.qcow2');
    // Async: a blocked event loop would stall the in-process agent's keep-alive timers.
    await promisify(execFile)('qemu-img', ['create', '-q', '-f', 'qcow2', big, String(4 * GiB)]);
    await promisify(execFile)('qemu-io', ['-c', 'write -P 0xab 64M 512M', big]);
    const op = await h.client.restoreVm({ vm: vmSpec('inst-del'), sourcePath: big, mode: 'instant', start: true });
    await waitFor(
      'streaming',
      async () => (await h.client.getOperation(op.id)).detail?.phase === 'streaming',
      60_000,
      20,
    );
    await h.client.deleteVm('inst-del');
    const err = await waitForOperation(h.client, op.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT' });
    console.log(`deleted mid-stream: ${(err as Error).message}`);
    await expect(h.client.getVm('inst-del')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    expect(existsSync(path.join(h.pool.path, 'vms', 'inst-del'))).toBe(false);
    expect(info(big)['backing-filename']).toBeUndefined();
  });

  it('refuses a missing backup file and an existing VM id without making anything', async () => {
    await expect(
      h.client.restoreVm({
        vm: vmSpec('nope'),
        sourcePath: path.join(path.dirname(p1), 'rp-00000000dead.qcow2'),
        mode: 'copy',
        start: true,
      }),
    ).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    await expect(
      h.client.restoreVm({ vm: vmSpec('src'), sourcePath: p1, mode: 'instant', start: true }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(existsSync(path.join(h.pool.path, 'vms', 'nope'))).toBe(false);
  });

  it('reads only restore point files of an allowed repository: never a host file, a VM disk or an image', async () => {
    const vmDisk = path.join(h.pool.path, 'vms', 'src', 'disk0.qcow2');
    for (const sourcePath of [
      '/etc/shadow',
      vmDisk,
      GUEST_DISK,
      path.join(h.pool.path, 'vms', 'src', 'rp-000000000001.qcow2'),
    ]) {
      await expect(
        h.client.restoreVm({ vm: vmSpec('nope'), sourcePath, mode: 'copy', start: true }),
        sourcePath,
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', data: { fields: { sourcePath: expect.any(Array) } } });
      await expect(h.client.replaceVmDisk('src', { sourcePath }), sourcePath).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
    expect(existsSync(path.join(h.pool.path, 'vms', 'nope'))).toBe(false);
  });

  it('replace-disk keeps the old disk as a safety file; revert brings it back, discard removes it', async () => {
    const { client } = h;
    await expect(client.replaceVmDisk('src', { sourcePath: p1 })).rejects.toMatchObject({ code: 'VM_BAD_POWER_STATE' });
    await client.stopVm('src', { timeoutSec: 60 });
    const vmDir = path.join(h.pool.path, 'vms', 'src');

    // A backup job's bitmap sidecar: after the replace it must say why the next backup is full.
    const sidecar = path.join(vmDir, 'backup-vmops-job1.json');
    writeFileSync(sidecar, JSON.stringify({ state: 'done', path: p2, sha256: null, at: new Date().toISOString() }));

    // Replace with p1 (records 1..5), then revert: the VM is back at 1..12.
    let r = (await waitForOperation(client, (await client.replaceVmDisk('src', { sourcePath: p1 })).id)).result as {
      safetyPath: string;
      sha256: string;
    };
    expect(JSON.parse(readFileSync(sidecar, 'utf8'))).toMatchObject({ state: 'replaced', path: p1 });
    expect(path.dirname(r.safetyPath)).toBe(vmDir);
    expect(r.sha256).toBe(execFileSync('sha256sum', [r.safetyPath]).toString().split(' ')[0]);
    await client.startVm('src');
    await waitGuestReady(client, 'src');
    expect(await records(client, 'src')).toBe('VMOPS-RECORDS first=1 last=5 count=5 gaps=0');
    await expect(client.revertSafety('src', { safetyPath: r.safetyPath })).rejects.toMatchObject({
      code: 'VM_BAD_POWER_STATE',
    });
    await client.stopVm('src', { force: true });
    await client.revertSafety('src', { safetyPath: r.safetyPath });
    expect(existsSync(r.safetyPath)).toBe(false);
    await client.startVm('src');
    await waitGuestReady(client, 'src');
    expect(await records(client, 'src')).toBe('VMOPS-RECORDS first=1 last=12 count=12 gaps=0');

    // Replace with p2 (records 1..9) and keep it: discarding removes the safety file only.
    await client.stopVm('src', { force: true });
    r = (await waitForOperation(client, (await client.replaceVmDisk('src', { sourcePath: p2 })).id)).result as {
      safetyPath: string;
      sha256: string;
    };
    await expect(client.discardSafety('src', { safetyPath: path.join(vmDir, 'disk0.qcow2') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await client.discardSafety('src', { safetyPath: r.safetyPath });
    expect(readdirSync(vmDir).filter((f) => f.includes('safety'))).toEqual([]);
    await client.startVm('src');
    await waitGuestReady(client, 'src');
    expect(await records(client, 'src')).toBe('VMOPS-RECORDS first=1 last=9 count=9 gaps=0');
  });

  it('instant replace-disk: the safety file is reported while it runs, the VM runs on the backup and streams', async () => {
    const { client } = h;
    await client.stopVm('src', { force: true });
    const op = await client.replaceVmDisk('src', { sourcePath: p1, instant: true });
    const seen: RestoreDetail[] = [];
    const done = await waitForOperation(
      client,
      op.id,
      (o: Operation) => o.detail && seen.push(o.detail as RestoreDetail),
      { intervalMs: 50 },
    );
    const r = done.result as { safetyPath: string; runningAfterMs: number | null };
    console.log(`instant replace: running after ${r.runningAfterMs} ms`);
    expect(r.runningAfterMs).toBeGreaterThan(0);
    expect(seen.find((d) => d.safety)?.safety?.path).toBe(r.safetyPath);
    expect((await client.getVm('src')).state).toBe('running');
    expect(info(path.join(h.pool.path, 'vms', 'src', 'disk0.qcow2'))['backing-filename']).toBeUndefined();
    await waitGuestReady(client, 'src');
    expect(await records(client, 'src')).toBe('VMOPS-RECORDS first=1 last=5 count=5 gaps=0');
    await client.discardSafety('src', { safetyPath: r.safetyPath });
  });
});
