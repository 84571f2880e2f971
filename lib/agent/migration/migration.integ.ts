// Live migration between two real agents (QEMU under TCG) sharing one directory: shared disk,
// storage (NBD mirror), a target that cannot take the guest, cancel, and a CPU-burning guest.
// The guest keeps writing sequence records while it moves; afterwards the records on the
// target's disk have no gap, and no write waited much longer than the guest was paused.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '@/lib/agent-client';
import { sleep, waitFor } from '@/lib/wait-for';
import { hostPort } from '../qemu/migration-qmp';
import { qemuProcesses } from '@/lib/testing/qemu-procs';
import { PROBE_RAM_MIB } from './probe';
import { ask } from '@/lib/testing/guest';
import { createGuest, migrateVm, startTwoHosts, type TestHost } from '@/lib/testing/two-hosts';

let cluster: Awaited<ReturnType<typeof startTwoHosts>>;
let m1: TestHost;
let m2: TestHost;
const numbers: Record<string, unknown> = {};

beforeAll(async () => {
  cluster = await startTwoHosts();
  [m1, m2] = cluster.hosts;
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  for (const h of [m1, m2]) console.log(`--- agent ${h.name} log ---\n${h.log.lines.slice(-40).join('\n')}`);
});

afterAll(async () => {
  console.log('migration numbers:', JSON.stringify(numbers));
  await cluster?.close();
});

// Keeps the guest writing one record at a time through whichever host runs it. A reply may show on
// either host's console (a command read just before the switch-over is answered by the target);
// a command that reached the source after its last instruction is lost and sent again after 1 s
// (a slow reply then makes the guest write twice, which the next round simply acknowledges).
// Returns the last acknowledged sequence number and the longest wait between two replies.
function keepWriting(host: () => TestHost, id: string, seq: number) {
  let on = true;
  const acks: number[] = [Date.now()];
  const replied = async (want: string) => {
    for (const h of [m1, m2])
      if ((await h.client.console(id, 30).catch(() => ({ lines: [] as string[] }))).lines.includes(want)) return true;
    return false;
  };
  const loop = (async () => {
    while (on) {
      await host()
        .client.sendSerial(id, 'write 1')
        .catch(() => {});
      const want = `VMOPS-OK seq=${seq + 1}`;
      if (await waitFor(want, () => replied(want), 1_000, 50).catch(() => false)) {
        seq++;
        acks.push(Date.now());
      }
    }
  })();
  return async () => {
    on = false;
    await loop;
    return { acked: seq, maxGapMs: Math.max(...acks.slice(1).map((t, i) => t - acks[i])) };
  };
}

// Slack over the guest's pause for the longest wait between two acknowledged writes: one lost
// command (resent after 1 s), serial and console round trips on a loaded 2-core TCG host.
const WRITE_GAP_SLACK_MS = 3_000;
// The writer follows the guest to the target as soon as the source hands over.
const handedOver = (o: Operation) => o.detail?.phase === 'completing' || o.state === 'succeeded';

const vmJson = (vmDir: string) => JSON.parse(readFileSync(path.join(vmDir, 'vm.json'), 'utf8')) as { owner?: string };

describe('live migration between two agents (real QEMU)', () => {
  it('shared disk: the guest keeps writing, moves with a short downtime, ownership moves with it', async () => {
    const vm = await createGuest(m1, 'mig-shared', 'shared');
    const vmDir = path.dirname(vm.diskPath);
    expect(vmJson(vmDir).owner).toBe('m1');
    // The other host's agent sees the directory in the shared pool but leaves it alone.
    expect((await m2.client.listVms()).map((v) => v.id)).not.toContain('mig-shared');
    await ask(m1.client, vm.id, 'write 5', /^VMOPS-OK seq=5$/);
    const idle = await m1.client.dirtyRate(vm.id);
    numbers.idleDirtyRateMiBps = idle.dirtyRateMiBps;
    // Guest RAM holding data (sampled non-zero pages): some, never all of its 128 MiB.
    const inUse = idle.memoryInUseBytes ?? 0;
    expect(inUse).toBeGreaterThan(8 * 1024 * 1024);
    expect(inUse).toBeLessThan(vm.memoryMiB * 1024 * 1024);
    // A guest copying 40 MiB through its page cache dirties memory while QEMU samples.
    // QEMU samples pages, so one 1 s window may miss: up to three windows while it copies.
    const copying = ask(m1.client, vm.id, 'writemb 40', /^VMOPS-OK writemb=40$/, 120_000);
    await sleep(500);
    let rate = await m1.client.dirtyRate(vm.id);
    for (let i = 0; i < 2 && rate.dirtyRateMiBps === 0; i++) rate = await m1.client.dirtyRate(vm.id);
    await copying;
    expect(rate.dirtyRateMiBps).toBeGreaterThan(0);
    expect(Date.parse(rate.measuredAt)).toBeGreaterThan(Date.now() - 60_000);
    numbers.writingDirtyRateMiBps = rate.dirtyRateMiBps;

    let where = m1;
    const stop = keepWriting(() => where, vm.id, 5);
    await sleep(1500);
    const run = await migrateVm(m1, m2, vm, 'shared', {
      onOperation: (o) => {
        if (handedOver(o)) where = m2;
      },
    });
    await sleep(1500);
    const { acked, maxGapMs } = await stop();

    expect(run.result.downtimeMs).toBeGreaterThanOrEqual(0);
    expect(run.result.downtimeMs).toBeLessThan(2000);
    expect(run.result.bytesTransferred).toBeGreaterThan(0);
    expect(run.result.diskBytes).toBe(0);
    // It sends at least the pages holding data when sampled (the guest wrote more since).
    expect(run.result.bytesTransferred).toBeGreaterThan(0.9 * inUse);
    numbers.memoryInUseMiB = Math.round(inUse / 1024 / 1024);
    expect(run.guestPauseMs).toBeGreaterThanOrEqual(run.result.downtimeMs);
    expect(run.guestPauseMs).toBeLessThan(2000);
    expect(maxGapMs).toBeLessThan(run.guestPauseMs! + WRITE_GAP_SLACK_MS);
    numbers.shared = {
      totalMs: run.result.totalMs,
      downtimeMs: run.result.downtimeMs,
      guestPauseMs: run.guestPauseMs,
      maxWriteGapMs: maxGapMs,
      bytes: run.result.bytesTransferred,
      wallMs: run.wallMs,
    };

    // Runs on m2 only; the disk and vm.json stay in the shared pool, now owned by m2.
    // Still ready: the guest said so on m1, and m2's console never sees that line again.
    expect(run.result.guestReady).toBe(true);
    expect(await m2.client.getVm(vm.id)).toMatchObject({ state: 'running', diskPath: vm.diskPath, guestReady: true });
    await expect(m1.client.getVm(vm.id)).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    expect((await m2.client.listVms()).map((v) => v.id)).toContain(vm.id);
    expect(existsSync(vm.diskPath)).toBe(true);
    expect(vmJson(vmDir).owner).toBe('m2');
    expect(existsSync(path.join(vmDir, 'hosts', 'm1'))).toBe(false);
    expect(existsSync(path.join(vmDir, 'hosts', 'm2', 'run.json'))).toBe(true);

    const status = await ask(m2.client, vm.id, 'status', /^VMOPS-STATUS /);
    const seq = Number(/seq=(\d+)/.exec(status)![1]);
    expect(seq).toBeGreaterThanOrEqual(acked);
    expect(acked).toBeGreaterThan(5);
    await ask(m2.client, vm.id, 'read', new RegExp(`^VMOPS-RECORDS first=1 last=${seq} count=${seq} gaps=0$`));
  });

  it('storage: the disk is mirrored over NBD, identical on the target, the source removed only after success', async () => {
    const vm = await createGuest(m1, 'mig-storage', 'local');
    const srcDir = path.dirname(vm.diskPath);
    await ask(m1.client, vm.id, 'writemb 8', /^VMOPS-OK writemb=8$/);
    await ask(m1.client, vm.id, 'write 3', /^VMOPS-OK seq=3$/);
    let where = m1;
    const stop = keepWriting(() => where, vm.id, 3);
    await sleep(1500);
    const run = await migrateVm(m1, m2, vm, 'storage', {
      onOperation: (o) => {
        if (handedOver(o)) where = m2;
      },
      // QEMU has completed the migration; until the target confirms it runs the guest, the source
      // keeps its paused copy with the disk.
      beforeFinish: async () => {
        expect((await m1.client.outgoingStatus(vm.id)).state).toBe('handed-over');
        expect(existsSync(vm.diskPath)).toBe(true);
      },
    });
    await sleep(1500);
    const { acked, maxGapMs } = await stop();

    // The disk was mirrored, then the memory sent: read from the result, not from polls that may
    // miss a short phase on a loaded host.
    expect(run.guestPauseMs).toBeLessThan(3000);
    expect(run.result.diskBytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(run.result.bytesTransferred - run.result.diskBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(run.result.downtimeMs).toBeLessThan(2000);
    expect(maxGapMs).toBeLessThan(run.guestPauseMs! + WRITE_GAP_SLACK_MS);
    numbers.storage = {
      totalMs: run.result.totalMs,
      downtimeMs: run.result.downtimeMs,
      guestPauseMs: run.guestPauseMs,
      maxWriteGapMs: maxGapMs,
      bytes: run.result.bytesTransferred,
      diskBytes: run.result.diskBytes,
      wallMs: run.wallMs,
    };

    expect(existsSync(srcDir)).toBe(false); // removed once the target ran the guest
    const moved = await m2.client.getVm(vm.id);
    expect(moved).toMatchObject({ state: 'running', pool: 'local', guestReady: true });
    expect(moved.diskPath.startsWith(m2.localPool)).toBe(true);
    const status = await ask(m2.client, vm.id, 'status', /^VMOPS-STATUS /);
    const seq = Number(/seq=(\d+)/.exec(status)![1]);
    expect(seq).toBeGreaterThanOrEqual(acked);
    await ask(m2.client, vm.id, 'read', new RegExp(`^VMOPS-RECORDS first=1 last=${seq} count=${seq} gaps=0$`));
  });

  it('storage to a standalone disk (full mirror): identical to the source disk at the switch-over', async () => {
    const vm = await createGuest(m1, 'mig-ident', 'local');
    await ask(m1.client, vm.id, 'writemb 4 8', /^VMOPS-OK writemb=4$/);
    await ask(m1.client, vm.id, 'write 7', /^VMOPS-OK seq=7$/);
    // The guest is idle now (its writes were fsync'd): a copy of the source disk is the reference.
    const ref = path.join(os.tmpdir(), `vmops-mig-ref-${process.pid}.qcow2`);
    execFileSync('qemu-img', ['convert', '-U', '-O', 'qcow2', vm.diskPath, ref]);
    try {
      const run = await migrateVm(m1, m2, vm, 'storage', { backingPath: null });
      expect(run.result.diskBytes).toBe(64 * 1024 * 1024); // the whole disk, image part included
      const target = (await m2.client.getVm(vm.id)).diskPath;
      expect(
        JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', target], { encoding: 'utf8' }))[
          'backing-filename'
        ],
      ).toBeUndefined();
      execFileSync('qemu-img', ['compare', '-U', ref, target]); // throws unless identical
    } finally {
      execFileSync('rm', ['-f', ref]);
    }
  });

  it('no step of any migration above failed quietly (clean-up, exit tracking, undo)', () => {
    const bad = [m1, m2]
      .flatMap((h) => h.log.lines)
      .filter((l) =>
        /undo after|cannot end the mirror|exit tracking failed|did not quit|did not complete|CRASHED/.test(l),
      );
    expect(bad).toEqual([]);
  });

  it('storage: a target that cannot resume after the hand-over is aborted, and the source resumes the guest on its own disk', async () => {
    const vm = await createGuest(m1, 'mig-back', 'local');
    await ask(m1.client, vm.id, 'write 2', /^VMOPS-OK seq=2$/);
    let holder: ChildProcess | null = null;
    const err = await migrateVm(m1, m2, vm, 'storage', {
      // A second NBD client on the target's export: the target cannot remove the export, so it
      // never resumes the guest although the whole state arrives.
      onPrepared: async ({ nbd }) => {
        const p = spawn('qemu-io', ['-r', '-f', 'raw', `nbd://${hostPort(nbd!.host, nbd!.port)}/${nbd!.exportName}`], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        holder = p;
        let out = '';
        p.stdout.on('data', (b: Buffer) => (out += b.toString()));
        p.stdin.write('read 0 512\n');
        await waitFor('qemu-io connected to the export', () => /read 512\/512 bytes/.test(out), 30_000, 100);
      },
      beforeFinish: async () => {
        await sleep(2000);
        expect((await m2.client.getVm(vm.id)).state).toBe('paused');
        expect((await m1.client.outgoingStatus(vm.id)).state).toBe('handed-over');
        throw new Error('the target did not resume the guest');
      },
    }).catch((e: unknown) => e);
    (holder as ChildProcess | null)?.kill();
    expect(err).toMatchObject({ message: 'the target did not resume the guest' });
    expect(await m1.client.getVm(vm.id)).toMatchObject({ state: 'running', diskPath: vm.diskPath });
    expect((await m1.client.outgoingStatus(vm.id)).state).toBe('none');
    expect(existsSync(path.join(m2.localPool, 'vms', vm.id))).toBe(false);
    await ask(m1.client, vm.id, 'write 1', /^VMOPS-OK seq=3$/);
    await ask(m1.client, vm.id, 'read', /^VMOPS-RECORDS first=1 last=3 count=3 gaps=0$/);
    // A guest running here is never removed as a migration leftover; resuming it again is a no-op.
    await expect(m1.client.finishOutgoing(vm.id, { mode: 'storage' })).rejects.toMatchObject({
      code: 'CONFLICT',
      status: 409,
    });
    expect(await m1.client.resumeOutgoing(vm.id)).toMatchObject({ state: 'running' });
    expect(existsSync(vm.diskPath)).toBe(true);
  });

  it("storage: a cancel after the mirror is in sync ends the mirror, keeps the source disk and removes the target's", async () => {
    const vm = await createGuest(m1, 'mig-scancel', 'local');
    await ask(m1.client, vm.id, 'write 4', /^VMOPS-OK seq=4$/);
    let asked = false;
    const err = await migrateVm(m1, m2, vm, 'storage', {
      maxBandwidthBytes: 1024 * 1024,
      onOperation: (o) => {
        if (!asked && o.detail?.phase === 'memory') {
          asked = true;
          void m1.client.cancelMigration(vm.id);
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect(await m1.client.getVm(vm.id)).toMatchObject({ state: 'running', diskPath: vm.diskPath });
    expect(existsSync(path.join(m2.localPool, 'vms', vm.id))).toBe(false);
    await ask(m1.client, vm.id, 'write 1', /^VMOPS-OK seq=5$/);
    await ask(m1.client, vm.id, 'read', /^VMOPS-RECORDS first=1 last=5 count=5 gaps=0$/);
    // The NBD client and the mirror job are gone from the source QEMU.
    const s = m1.agent.driver.qemu!.vms.sessions.get(vm.id)!;
    expect(await s.execute('query-block-jobs')).toEqual([]);
    const nodes = await s.execute<{ 'node-name': string }[]>('query-named-block-nodes', { flat: true });
    expect(nodes.map((n) => n['node-name'])).not.toContain('vmops-mig-nbd');
  });

  it('cancel mid-migration leaves the VM running on the source and the target cleaned up; a busy guest then converges', async () => {
    const vm = await createGuest(m1, 'mig-cancel', 'shared');
    const vmDir = path.dirname(vm.diskPath);
    await ask(m1.client, vm.id, 'write 2', /^VMOPS-OK seq=2$/);
    let cancelled = false;
    let listedOnTarget: Promise<string[]> | null = null;
    const err = await migrateVm(m1, m2, vm, 'shared', {
      maxBandwidthBytes: 1024 * 1024, // 128 MiB at 1 MiB/s: minutes, plenty of time to cancel
      onOperation: (o) => {
        if (!cancelled && o.detail?.phase === 'memory' && Number(o.detail.transferredBytes) > 0) {
          cancelled = true;
          // While it arrives, the target does not report it (heartbeats list the same VMs).
          listedOnTarget = m2.client.listVms().then((l) => l.map((v) => v.id));
          void m1.client.cancelMigration(vm.id);
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED', status: 409 });
    expect(await listedOnTarget).not.toContain(vm.id);
    expect(await m1.client.getVm(vm.id)).toMatchObject({ state: 'running' });
    await ask(m1.client, vm.id, 'write 1', /^VMOPS-OK seq=3$/); // the guest still runs and writes
    // migrateVm aborted the target; a second abort is a no-op.
    await m2.client.abortIncoming(vm.id);
    await expect(m2.client.getVm(vm.id)).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    expect(existsSync(path.join(vmDir, 'hosts', 'm2'))).toBe(false);
    expect(existsSync(vm.diskPath)).toBe(true);
    expect(vmJson(vmDir).owner).toBe('m1');
    await expect(m1.client.cancelMigration(vm.id)).rejects.toMatchObject({ code: 'CONFLICT' });

    await ask(m1.client, vm.id, 'burn on', /^VMOPS-OK burn=1$/);
    await sleep(2000);
    numbers.busyDirtyRateMiBps = (await m1.client.dirtyRate(vm.id)).dirtyRateMiBps;
    const run = await migrateVm(m1, m2, vm, 'shared');
    numbers.sharedBusy = {
      totalMs: run.result.totalMs,
      downtimeMs: run.result.downtimeMs,
      guestPauseMs: run.guestPauseMs,
      bytes: run.result.bytesTransferred,
    };
    expect(await m2.client.getVm(vm.id)).toMatchObject({ state: 'running' });
    await ask(m2.client, vm.id, 'status', /^VMOPS-STATUS .* seq=3 burn=1$/);
  });

  it('link probe: a real migration of random RAM between the hosts, measured; no probe QEMU is left', async () => {
    const inc = await m2.client.probeIncoming();
    expect(inc.migrationUri).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    const sent = await m1.client.probeSend(inc.migrationUri);
    // 64 MiB of random bytes cannot be skipped as zero pages: all of it travels.
    expect(sent.bytes).toBeGreaterThanOrEqual(PROBE_RAM_MIB * 1024 * 1024);
    expect(sent.transferMs).toBeGreaterThan(0);
    expect(await m2.client.probeFinish(inc.probeId)).toEqual({ arrived: true });
    numbers.linkProbe = {
      qemuStartMs: inc.qemuStartMs,
      ...sent,
      MiBps: Math.round(sent.bytes / 1048576 / (sent.transferMs / 1000)),
    };
    await expect(m2.client.probeFinish(inc.probeId)).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
    await waitFor('probe QEMUs gone', () => !qemuProcesses().some((p) => p.vmId.startsWith('vmops-probe-')), 10_000);
  });
});
