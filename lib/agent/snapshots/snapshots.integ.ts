// Snapshots and checkpoints of one VM on real QEMU (TCG) through the agent's HTTP API; no QEMU =
// failure, never a skip. The test guest writes numbered 512-byte records and reports its uptime:
// a checkpoint must come back with the guest's memory (same sequence counter, uptime counting on
// from the checkpoint, no reboot), a disk snapshot with exactly the records up to it, every point
// must stay readable after a merge in the middle of its chain (live and offline), and backups must
// stay incremental and exact across snapshots and merges (bitmaps carried).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type Operation } from '@/lib/agent-client';
import { backupResultSchema, type BackupResult } from '@/lib/agent-protocol/backup';
import { requireQemu } from '@/lib/agent/qemu/context';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { diskRecords, parseRecords } from '@/lib/testing/disk-records';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { sleep } from '@/lib/wait-for';
import { pointRecordSchema, revertResultSchema } from '@/lib/agent-protocol/snapshots';

const VM = 'snap-vm';
const MiB = 1024 * 1024;

let h: QemuTestAgent;
let vmDir: string;
const notes: Record<string, unknown> = {};

const c = () => h.client;
const run = async (op: Operation) =>
  (await waitForOperation(c(), op.id, undefined, { intervalMs: 200, timeoutMs: 300_000 })).result;
const take = async (id: string, kind: 'disk' | 'memory') =>
  pointRecordSchema.parse(await run(await c().takePoint(VM, { id, kind })));
const revert = async (id: string) => revertResultSchema.parse(await run(await c().revertPoint(VM, id)));
const remove = async (id: string) => run(await c().deletePoint(VM, id));
const write = async (n: number) =>
  Number(/seq=(\d+)/.exec(await ask(c(), VM, `write ${n}`, /^VMOPS-(OK seq|ERR)/))![1]);
const guestRecords = async () => parseRecords(await records(c(), VM));
async function status() {
  const line = await ask(c(), VM, 'status', /^VMOPS-STATUS /);
  return { uptime: Number(/uptime=([\d.]+)/.exec(line)![1]), seq: Number(/seq=(\d+)/.exec(line)![1]) };
}
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const pointsNow = () => c().vmPoints(VM);
const layerOf = async (id: string) => path.join(vmDir, (await pointsNow()).points.find((p) => p.id === id)!.layer);
const session = async () => requireQemu(h.driver, 'test').vms.expectSession(VM, ['running', 'paused']);
function compareImages(a: string, b: string): string {
  const r = spawnSync('qemu-img', ['compare', '-U', '-f', 'qcow2', '-F', 'qcow2', a, b], { encoding: 'utf8' });
  return r.status === 0 ? 'identical' : `${r.stdout}${r.stderr}`.trim();
}
const vmFiles = () =>
  readdirSync(vmDir)
    .filter((f) => f.endsWith('.qcow2') || f.endsWith('.zst'))
    .sort();

// Records in every point's frozen layer (through its chain), read without booting.
async function expectPointRecords(expected: Record<string, number>) {
  for (const [id, n] of Object.entries(expected))
    expect({ id, ...diskRecords(await layerOf(id)) }).toEqual({ id, ...upTo(n) });
}

beforeAll(async () => {
  buildGuest();
  h = await startQemuTestAgent('snap');
  await c().createVm({
    id: VM,
    name: VM,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeBytes: 64 * MiB,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
  });
  await waitGuestReady(c(), VM);
  vmDir = path.dirname((await c().getVm(VM)).diskPath);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(`--- agent log ---\n${h.log.lines.slice(-80).join('\n')}`);
});

afterAll(async () => {
  await h?.stop();
  console.log('snapshot integ notes:', JSON.stringify(notes));
});

describe('snapshots and checkpoints on real QEMU', () => {
  it('a memory checkpoint brings the guest back where it was: same counter, uptime on from the checkpoint', async () => {
    expect(await write(5)).toBe(5);
    const caps = (await pointsNow()).capabilities;
    expect(caps).toEqual({
      disk: { ok: true, reason: null },
      memory: { ok: true, reason: null },
      revert: { ok: true, reason: null },
      clone: { ok: true, reason: null },
    });
    // Uptime well past a fresh boot's, so a reboot could not pass for a restore.
    while ((await status()).uptime < 6) await sleep(1000);
    const before = await status();
    const cp = await take('cp-one', 'memory');
    const after = await status();
    expect(cp).toMatchObject({
      kind: 'memory',
      stateFile: 'state-cp-one.zst',
      layer: 'disk0.qcow2',
      parentId: null,
      wasRunning: true,
      groupId: null,
    });
    expect(cp.stateBytes).toBeGreaterThan(MiB);
    expect(cp.pauseMs).toBeGreaterThanOrEqual(0);
    expect(cp.downtimeMs).not.toBeNull();
    expect((await c().getVm(VM)).state).toBe('running');
    notes.checkpoint = { pauseMs: cp.pauseMs, downtimeMs: cp.downtimeMs, stateBytes: cp.stateBytes };

    expect(await write(4)).toBe(9);
    await sleep(3000);
    const later = await status();
    const r = await revert('cp-one');
    expect(r.resumedFromMemory).toBe(true);
    expect(r.vm.state).toBe('running');
    const back = await status();
    expect(back.seq).toBe(5); // the guest's own memory: its counter as at the checkpoint
    expect(back.uptime).toBeGreaterThanOrEqual(before.uptime);
    expect(back.uptime).toBeLessThan(later.uptime); // not the uptime it had reached since
    expect(back.uptime).toBeGreaterThan(after.uptime - 5);
    expect(await guestRecords()).toEqual(upTo(5));
    notes.revertMemoryMs = r.revertMs;
    const pts = await pointsNow();
    expect(pts.currentId).toBe('cp-one');
    expect(vmFiles()).toEqual(['disk0.qcow2', expect.stringMatching(/^layer-r[0-9a-f]+\.qcow2$/), 'state-cp-one.zst']);
    // The guest writes on from there.
    expect(await write(2)).toBe(7);
  });

  it('a disk snapshot revert holds exactly the records up to it (running VM reboots, stopped stays stopped)', async () => {
    expect(await write(1)).toBe(8);
    const s1 = await take('sn-one', 'disk');
    expect(s1).toMatchObject({ kind: 'disk', stateFile: null, parentId: 'cp-one', downtimeMs: null, wasRunning: true });
    notes.diskPauseMs = s1.pauseMs;
    expect(await write(3)).toBe(11);
    const r = await revert('sn-one');
    expect(r).toMatchObject({ resumedFromMemory: false, vm: { state: 'running' } });
    await waitGuestReady(c(), VM);
    expect(await guestRecords()).toEqual(upTo(8));
    expect((await status()).uptime).toBeLessThan(30); // booted afresh

    await c().stopVm(VM, { force: true, timeoutSec: 10 });
    const r2 = await revert('cp-one'); // a checkpoint of a running VM comes back running, even from off
    expect(r2.vm.state).toBe('running');
    expect((await status()).seq).toBe(5);
    await c().stopVm(VM, { force: true, timeoutSec: 10 });
    const r3 = await revert('sn-one');
    expect(r3.vm.state).toBe('shutoff');
    expect(diskRecords((await c().getVm(VM)).diskPath)).toEqual(upTo(8));
    // Off: no memory checkpoint, with the reason.
    const caps = (await pointsNow()).capabilities;
    expect(caps.memory).toEqual({ ok: false, reason: expect.stringMatching(/VM is off/) });
    await expect(c().takePoint(VM, { id: 'cp-off', kind: 'memory' })).rejects.toMatchObject({
      code: 'POINT_UNSUPPORTED',
      status: 409,
    });
    await c().startVm(VM);
    await waitGuestReady(c(), VM);
  });

  it('deletes a point in the middle of a chain, live and offline, and every other point stays readable and revertable', async () => {
    // Live chain: m1 <- m2 <- m3 <- active.
    const base = (await status()).seq;
    await take('ch-1', 'disk');
    await write(2);
    await take('ch-2', 'disk');
    await write(2);
    await take('ch-3', 'disk');
    await write(2);
    await expectPointRecords({ 'ch-1': base, 'ch-2': base + 2, 'ch-3': base + 4 });
    await remove('ch-2'); // intermediate: ch-3's layer merged into ch-2's, ch-3 owns it
    await expectPointRecords({ 'ch-1': base, 'ch-3': base + 4 });
    expect((await pointsNow()).points.find((p) => p.id === 'ch-3')).toMatchObject({ parentId: 'ch-1' });
    await remove('ch-3'); // active commit: the guest's disk pivots onto ch-2's old layer
    await expectPointRecords({ 'ch-1': base });
    expect(await guestRecords()).toEqual(upTo(base + 6));
    expect(await write(1)).toBe(base + 7);

    // Offline chain: o1 <- o2 <- o3 <- active, merged with qemu-img.
    await c().stopVm(VM, { force: true, timeoutSec: 10 });
    const off1 = await take('off-1', 'disk');
    expect(off1).toMatchObject({ wasRunning: false, pauseMs: null });
    await take('off-2', 'disk');
    await take('off-3', 'disk');
    await remove('off-2');
    await remove('off-3');
    await expectPointRecords({ 'ch-1': base, 'off-1': base + 7 });
    await c().startVm(VM);
    await waitGuestReady(c(), VM);
    expect(await guestRecords()).toEqual(upTo(base + 7));

    // A revert branches the tree; the branch point cannot go, a leaf can.
    await write(2);
    await take('off-4', 'disk');
    await revert('off-1');
    await waitGuestReady(c(), VM);
    expect(await guestRecords()).toEqual(upTo(base + 7));
    await expect(c().deletePoint(VM, 'off-1')).rejects.toMatchObject({
      code: 'POINT_IN_USE',
      message: expect.stringMatching(/branch point of 2/),
    });
    await remove('off-4');
    await revert('ch-1');
    await waitGuestReady(c(), VM);
    expect(await guestRecords()).toEqual(upTo(base));
    await expectPointRecords({ 'ch-1': base, 'off-1': base + 7, 'sn-one': 8 });

    // A live merge under a branch point: the branch QEMU does not run is re-pointed too.
    await write(1);
    await take('br-a', 'disk');
    await write(1);
    await take('br-b', 'disk');
    await write(1);
    await take('br-c', 'disk');
    await revert('br-b');
    await waitGuestReady(c(), VM);
    await remove('br-a');
    await expectPointRecords({ 'ch-1': base, 'br-b': base + 2, 'br-c': base + 3 });
    await revert('br-c');
    await waitGuestReady(c(), VM);
    expect(await guestRecords()).toEqual(upTo(base + 3));
  });

  it('keeps backups incremental and exact across a snapshot and its merge (bitmap carried)', async () => {
    const repo = path.join(mkdtempSync(path.join(os.tmpdir(), 'vmops-snap-repo-')), VM);
    const backups: BackupResult[] = [];
    const backup = async (id: string) => {
      const parent = backups.at(-1);
      const req = {
        pointId: id,
        targetDir: repo,
        bitmap: 'vmops-bm',
        parent: parent ? { path: parent.path } : null,
        manifest: { vmName: VM, vmSpec: { vcpus: 1, memoryMiB: 128, boot: {}, imageId: null, tags: [] } },
      };
      const r = backupResultSchema.parse(await run(await c().backupVm(VM, req)));
      backups.push(r);
      return r;
    };
    // Each incremental chain must equal the live disk (the guest is idle): data written in
    // clusters of their own between a backup and a merge is what a lost bitmap would miss.
    const sameAsDisk = async (r: BackupResult) => compareImages(r.path, (await c().getVm(VM)).diskPath);
    const seq0 = await write(1);
    expect((await backup('rp-00000000000a')).kind).toBe('full');
    await write(2);
    await take('bk-1', 'disk');
    await write(3);
    await ask(c(), VM, 'writemb 1 0', /^VMOPS-(OK writemb|ERR)/);
    const inc = await backup('rp-00000000000b');
    expect(inc).toMatchObject({ kind: 'incremental', fullReason: null });
    expect(diskRecords(inc.path)).toEqual(upTo(seq0 + 5));
    expect(await sameAsDisk(inc)).toBe('identical');

    await ask(c(), VM, 'writemb 1 2', /^VMOPS-(OK writemb|ERR)/); // only in bk-1's child layer
    await remove('bk-1'); // live active commit
    await write(2);
    const inc2 = await backup('rp-00000000000c');
    expect(inc2.kind).toBe('incremental');
    expect(diskRecords(inc2.path)).toEqual(upTo(seq0 + 7));
    expect(await sameAsDisk(inc2)).toBe('identical');

    await c().stopVm(VM, { force: true, timeoutSec: 10 });
    await take('bk-2', 'disk'); // offline: qemu-img bitmap --merge onto the new top
    await c().startVm(VM);
    await waitGuestReady(c(), VM);
    await write(2);
    const inc3 = await backup('rp-00000000000d');
    expect(inc3.kind).toBe('incremental');
    expect(diskRecords(inc3.path)).toEqual(upTo(seq0 + 9));
    expect(await sameAsDisk(inc3)).toBe('identical');

    await ask(c(), VM, 'writemb 1 4', /^VMOPS-(OK writemb|ERR)/);
    await c().stopVm(VM, { force: true, timeoutSec: 10 });
    await remove('bk-2'); // offline merge (qemu-img commit) of the active layer
    await c().startVm(VM);
    await waitGuestReady(c(), VM);
    await write(1);
    const inc4 = await backup('rp-00000000000e');
    expect(inc4.kind).toBe('incremental');
    expect(await sameAsDisk(inc4)).toBe('identical');
    notes.incrementalBytes = [inc, inc2, inc3, inc4].map((b) => b.bytesWritten);
  });

  it('runs one long operation per VM: a second one while a checkpoint is written is refused (409)', async () => {
    const first = await c().takePoint(VM, { id: 'cp-busy', kind: 'memory' });
    const err = await c()
      .takePoint(VM, { id: 'sn-busy', kind: 'disk' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, message: expect.stringMatching(/busy/) });
    await expect(c().deletePoint(VM, 'cp-one')).rejects.toMatchObject({ status: 409 });
    await run(first);
    await remove('cp-busy');
    expect((await pointsNow()).points.map((p) => p.id)).not.toContain('sn-busy');
  });

  it('a memory checkpoint of a paused VM leaves it paused, and comes back paused', async () => {
    const { seq } = await status();
    // What an agent killed during a state write leaves: swept by the next checkpoint.
    writeFileSync(path.join(vmDir, 'state-cp-dead.zst.partial'), 'half');
    await (await session()).execute('stop');
    const cp = await take('cp-paused', 'memory');
    expect(cp.wasRunning).toBe(false);
    expect((await c().getVm(VM)).state).toBe('paused');
    await (await session()).execute('cont');
    await write(1);
    const r = await revert('cp-paused');
    expect(r.vm.state).toBe('paused');
    await (await session()).execute('cont');
    expect((await status()).seq).toBe(seq);
    expect(existsSync(path.join(vmDir, 'state-cp-paused.zst'))).toBe(true);
    expect(existsSync(path.join(vmDir, 'state-cp-dead.zst.partial'))).toBe(false);
    await remove('cp-paused');
    expect(existsSync(path.join(vmDir, 'state-cp-paused.zst'))).toBe(false);
  });
});
