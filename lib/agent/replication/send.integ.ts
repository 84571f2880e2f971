// The replication SOURCE on real QEMU (TCG), against a qemu-nbd target this test starts itself
// (the target side has its own tests): full, then incremental sends from the chain-of-trust
// bitmap of a running VM, a stopped VM sent through qemu-storage-daemon, stale bitmaps removed,
// and the boot files streamed. Every layer is read back for the guest's records.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation } from '@/lib/agent-client';
import { sendResultSchema, type SendRequest } from '@/lib/agent-protocol/replication';
import { requireQemu } from '@/lib/agent/qemu/context';
import { freePort } from '@/lib/net/free-port';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { diskRecords } from '@/lib/testing/disk-records';
import { ask, buildGuest, GUEST_DISK, guestBoot, waitGuestReady } from '@/lib/testing/guest';
import { throttleBackups } from '@/lib/testing/throttle-backups';
import { waitFor } from '@/lib/wait-for';

const VM = 'repl-src-vm';
const MiB = 1024 * 1024;
const SIZE = 64 * MiB;

let h: QemuTestAgent;
let work: string;
let diskPath: string;
const notes: Record<string, unknown> = {};
const c = () => h.client;
const write = async (n: number) => Number(/seq=(\d+)/.exec(await ask(c(), VM, `write ${n}`, /^VMOPS-OK seq/))![1]);
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const pid = (n: number) => `rpl-${n.toString(16).padStart(12, '0')}`;

// A target layer exported the way the DR target does it: qemu-nbd, one client, not persistent.
async function nbdTarget(layer: string, backing: string | null) {
  const args = ['create', '-q', '-f', 'qcow2', ...(backing ? ['-b', backing, '-F', 'qcow2'] : []), layer, String(SIZE)];
  expect(spawnSync('qemu-img', args).status).toBe(0);
  const port = await freePort();
  const name = `exp-${randomBytes(6).toString('hex')}`;
  const nbd = spawn('qemu-nbd', [
    '-f',
    'qcow2',
    '-b',
    '127.0.0.1',
    '-p',
    String(port),
    '-x',
    name,
    '--shared=1',
    layer,
  ]);
  const exited = new Promise<number | null>((r) => nbd.once('exit', (code) => r(code)));
  await waitFor(
    'qemu-nbd listening',
    () => spawnSync('ss', ['-ltn', `sport = :${port}`]).stdout?.includes(`:${port}`),
    10_000,
  );
  return { target: { host: '127.0.0.1', port, export: name }, exited, kill: () => nbd.kill('SIGKILL') };
}

async function send(req: Omit<SendRequest, 'jobId' | 'target'>, layer: string, backing: string | null) {
  const t = await nbdTarget(layer, backing);
  try {
    const op = await c().sendReplication(VM, { jobId: 'job-1', target: t.target, ...req });
    const done = await waitForOperation(c(), op.id, undefined, { intervalMs: 200, timeoutMs: 300_000 });
    // The source's client disconnected: the export ends by itself.
    expect(await Promise.race([t.exited, new Promise((r) => setTimeout(() => r('running'), 10_000))])).toBe(0);
    return sendResultSchema.parse(done.result);
  } finally {
    t.kill();
  }
}

const bitmaps = () => {
  const out = spawnSync('qemu-img', ['info', '-U', '--output=json', diskPath], { encoding: 'utf8' }).stdout;
  type Info = { 'format-specific'?: { data?: { bitmaps?: { name: string; flags: string[] }[] } } };
  return ((JSON.parse(out) as Info)['format-specific']?.data?.bitmaps ?? []).map((b) => `${b.name}:${b.flags}`);
};

const liveBitmaps = async () => {
  const s = await requireQemu(h.driver, 'test').vms.expectSession(VM, ['running']);
  type Node = { 'node-name': string; 'dirty-bitmaps'?: { name: string }[] };
  const nodes = await s.execute<Node[]>('query-named-block-nodes', { flat: true });
  return nodes.flatMap((n) => (n['dirty-bitmaps'] ?? []).map((b) => b.name)).filter((b) => b.startsWith('vmops-repl-'));
};

beforeAll(async () => {
  buildGuest();
  work = await mkdtemp(path.join(os.tmpdir(), 'vmops-repl-target-'));
  h = await startQemuTestAgent('src');
  const vm = await c().createVm({
    id: VM,
    name: VM,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeBytes: SIZE,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
    pool: 'local',
    start: true,
  });
  diskPath = vm.diskPath;
  await waitGuestReady(c(), VM);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(`--- agent log ---\n${h.log.lines.slice(-60).join('\n')}`);
});

afterAll(async () => {
  await h?.stop();
  if (work) await rm(work, { recursive: true, force: true });
  console.log('replication send notes:', JSON.stringify(notes));
});

describe('replication send (source) on real QEMU', () => {
  const layer = (n: number) => path.join(work, `layer-${pid(n)}.qcow2`);

  it('sends a full copy, then only the changes since the base point, from a running VM', async () => {
    expect(await write(5)).toBe(5);
    const full = await send({ pointId: pid(1), basePointId: null, full: false }, layer(1), null);
    expect(full).toMatchObject({ kind: 'full', fullReason: 'first copy of the disk' });
    expect(full).toMatchObject({ vmWasRunning: true, virtualSizeBytes: SIZE, bytesSent: SIZE });
    expect(diskRecords(layer(1))).toEqual(upTo(5));

    expect(await write(3)).toBe(8);
    const inc = await send({ pointId: pid(2), basePointId: pid(1), full: false }, layer(2), layer(1));
    expect(inc).toMatchObject({ kind: 'incremental', fullReason: null, vmWasRunning: true });
    expect(inc.bytesSent).toBeGreaterThan(0);
    expect(inc.bytesSent).toBeLessThan(full.bytesSent / 8);
    expect(diskRecords(layer(2))).toEqual(upTo(8));
    expect(Date.parse(inc.takenAt)).toBeGreaterThan(Date.parse(full.takenAt));
    notes.running = {
      fullBytes: full.bytesSent,
      fullMs: full.durationMs,
      incBytes: inc.bytesSent,
      incMs: inc.durationMs,
    };
  });

  it('a send that never reached the target leaves the base bitmap: the next is incremental from it', async () => {
    expect(await write(1)).toBe(9);
    // Nothing listens there: the NBD node cannot be added, nothing is copied.
    const op = await c().sendReplication(VM, {
      jobId: 'job-1',
      pointId: pid(3),
      basePointId: pid(2),
      target: { host: '127.0.0.1', port: await freePort(), export: 'nobody-listens' },
      full: false,
    });
    const failed = await waitForOperation(c(), op.id, undefined, { intervalMs: 200, timeoutMs: 120_000 }).catch(
      (err: Error) => err,
    );
    expect(failed).toBeInstanceOf(Error);
    const inc = await send({ pointId: pid(4), basePointId: pid(2), full: false }, layer(4), layer(2));
    expect(inc.kind).toBe('incremental');
    expect(diskRecords(layer(4))).toEqual(upTo(9));
  });

  it('a stopped VM sends through qemu-storage-daemon; its bitmaps stay clean and incremental', async () => {
    expect(await write(2)).toBe(11);
    await c().stopVm(VM, { force: true, timeoutSec: 10 });
    expect(bitmaps().sort()).toEqual([`vmops-repl-${pid(2)}:auto`, `vmops-repl-${pid(4)}:auto`]);
    // A daemon a killed agent left holding the disk (its pid file beside vm.json) is ended first.
    // Probing the lock with qemu-img while the daemon opens the image would make the daemon lose
    // the race for its write lock: wait for its monitor socket, made after the image is open.
    const blockdev = { driver: 'qcow2', 'node-name': 'left', file: { driver: 'file', filename: diskPath } };
    const sock = path.join(work, 'leftover.sock');
    const leftover = spawn(
      'qemu-storage-daemon',
      ['--blockdev', JSON.stringify(blockdev), '--chardev', `socket,id=m,path=${sock},server=on,wait=off`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let leftoverErr = '';
    leftover.stderr.on('data', (chunk: Buffer) => (leftoverErr += chunk.toString()));
    const leftoverExit = new Promise((r) => leftover.once('exit', r));
    writeFileSync(path.join(path.dirname(diskPath), 'replication-daemon.pid'), `${leftover.pid}\n`);
    await waitFor(
      'the leftover daemon has the image open',
      () => existsSync(sock) || leftover.exitCode !== null,
      30_000,
    );
    expect({ running: leftover.exitCode === null, leftoverErr }).toEqual({ running: true, leftoverErr: '' });
    expect(spawnSync('qemu-img', ['info', diskPath]).status).not.toBe(0); // the disk is held
    const inc = await send({ pointId: pid(5), basePointId: pid(4), full: false }, layer(5), layer(4));
    expect(inc).toMatchObject({ kind: 'incremental', vmWasRunning: false });
    expect(diskRecords(layer(5))).toEqual(upTo(11));
    await leftoverExit;
    // The daemon quit cleanly: the new bitmap is stored without the in-use flag; the old base stays
    // until the next run, older ones are gone.
    expect(bitmaps().sort()).toEqual([`vmops-repl-${pid(4)}:auto`, `vmops-repl-${pid(5)}:auto`]);
    expect(spawnSync('pgrep', ['-f', `qemu-storage-daemon.*${diskPath}`]).status).toBe(1);
    // Asked for a full: everything again, the trustworthy base kept for a run never committed.
    const full = await send({ pointId: pid(6), basePointId: pid(5), full: true }, layer(6), null);
    expect(full).toMatchObject({ kind: 'full', fullReason: 'a full copy was asked for', bytesSent: SIZE });
    expect(diskRecords(layer(6))).toEqual(upTo(11));
    expect(bitmaps().sort()).toEqual([`vmops-repl-${pid(5)}:auto`, `vmops-repl-${pid(6)}:auto`]);
    notes.stopped = { incBytes: inc.bytesSent, incMs: inc.durationMs, fullMs: full.durationMs };
  });

  it('a job that fails mid-copy removes its new bitmap: the next send is incremental from the base', async () => {
    await c().startVm(VM);
    await waitGuestReady(c(), VM);
    expect(await write(1)).toBe(12);
    const t = await nbdTarget(layer(7), null);
    const s = await requireQemu(h.driver, 'test').vms.expectSession(VM, ['running']);
    // Slow from its start (a full of 64 MiB takes ~0.3 s), so its target dies mid-copy.
    const unthrottle = throttleBackups(s, 64 * 1024);
    const op = await c().sendReplication(VM, {
      jobId: 'job-1',
      target: t.target,
      pointId: pid(7),
      basePointId: pid(6),
      full: true,
    });
    type Job = { id: string; status: string };
    await waitFor(
      'the send job',
      async () => (await s.execute<Job[]>('query-jobs')).find((j) => j.status === 'running'),
      30_000,
      5,
    );
    unthrottle();
    t.kill();
    const failed = await waitForOperation(c(), op.id, undefined, { intervalMs: 200, timeoutMs: 120_000 }).catch(
      (err: Error) => err,
    );
    expect(failed).toBeInstanceOf(Error);
    expect(await liveBitmaps()).toEqual([`vmops-repl-${pid(6)}`]);
    const inc = await send({ pointId: pid(8), basePointId: pid(6), full: false }, layer(8), layer(6));
    expect(inc.kind).toBe('incremental');
    expect(diskRecords(layer(8))).toEqual(upTo(12));
  });

  it('streams the VM’s own boot files, nothing else', async () => {
    const get = (file: string) =>
      fetch(`${h.baseUrl}/v1/vms/${VM}/boot/${file}`, { headers: { authorization: `Bearer ${h.secret}` } });
    const kernel = await get('kernel');
    expect(kernel.status).toBe(200);
    expect(Buffer.from(await kernel.arrayBuffer()).equals(readFileSync(guestBoot().kernelPath))).toBe(true);
    const initrd = await get('initrd');
    expect(Buffer.from(await initrd.arrayBuffer()).equals(readFileSync(guestBoot().initrdPath))).toBe(true);
    expect((await get('append')).status).toBe(422);
    expect(
      (await fetch(`${h.baseUrl}/v1/vms/nope-vm/boot/kernel`, { headers: { authorization: `Bearer ${h.secret}` } }))
        .status,
    ).toBe(404);
  });
});
