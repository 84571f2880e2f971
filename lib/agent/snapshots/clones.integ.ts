// Linked clones on real QEMU (TCG) through the agent's HTTP API; no QEMU = failure, never a skip.
// A clone of a disk snapshot boots on an overlay of the parent's frozen layer and diverges without
// touching the parent (its records, its layer's bytes); the parent's point and the parent itself
// cannot go while the clone depends on them; detach (live: block-stream, off: qemu-img rebase)
// leaves the clone on the image repository file only, and then the point can be deleted.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type Operation } from '@/lib/agent-client';
import type { VmSpec } from '@/lib/agent/driver/types';
import { vmRuntimeSchema } from '@/lib/agent-protocol/core';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { diskRecords, parseRecords } from '@/lib/testing/disk-records';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { pointRecordSchema } from '@/lib/agent-protocol/snapshots';

const PARENT = 'lc-parent';
const CLONE = 'lc-clone';
const COLD = 'lc-cold';
const MiB = 1024 * 1024;

let h: QemuTestAgent;
let parentDir: string;
const notes: Record<string, unknown> = {};

const c = () => h.client;
const run = async (op: Operation, onOp?: (o: Operation) => void) =>
  (await waitForOperation(c(), op.id, onOp, { intervalMs: 100, timeoutMs: 300_000 })).result;
const write = async (vm: string, n: number) =>
  Number(/seq=(\d+)/.exec(await ask(c(), vm, `write ${n}`, /^VMOPS-(OK seq|ERR)/))![1]);
const guestRecords = async (vm: string) => parseRecords(await records(c(), vm));
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const specOf = (vmDir: string) => JSON.parse(readFileSync(path.join(vmDir, 'vm.json'), 'utf8')) as VmSpec;
const backing = (file: string) =>
  (
    JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', file]).toString()) as {
      'full-backing-filename'?: string;
    }
  )['full-backing-filename'] ?? null;
const allocated = (file: string) =>
  (JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', file]).toString()) as { 'actual-size': number })[
    'actual-size'
  ];
const cloneVm = (id: string) => ({ id, name: id, vcpus: 1, memoryMiB: 128, boot: guestBoot() });
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err: { code?: string }) => err.code,
  );

beforeAll(async () => {
  buildGuest();
  h = await startQemuTestAgent('clones');
  await c().createVm({
    id: PARENT,
    name: PARENT,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeBytes: 64 * MiB,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
  });
  await waitGuestReady(c(), PARENT);
  parentDir = path.dirname((await c().getVm(PARENT)).diskPath);
  expect(await write(PARENT, 5)).toBe(5);
  pointRecordSchema.parse(await run(await c().takePoint(PARENT, { id: 'lc-p1', kind: 'disk' })));
  expect(await write(PARENT, 3)).toBe(8);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(`--- agent log ---\n${h.log.lines?.slice(-80).join('\n') ?? ''}`);
});

afterAll(async () => {
  await h?.stop();
  console.log('linked clone integ notes:', JSON.stringify(notes));
});

describe('linked clones on real QEMU', () => {
  it('a linked clone boots on the point and diverges without touching the parent', async () => {
    const layer = path.join(parentDir, (await c().vmPoints(PARENT)).points.find((p) => p.id === 'lc-p1')!.layer);
    const layerSha = sha256(layer);
    const t0 = Date.now();
    const vm = vmRuntimeSchema.parse(
      await run(await c().clonePoint(PARENT, 'lc-p1', { vm: cloneVm(CLONE), start: true })),
    );
    notes.cloneToRunningMs = Date.now() - t0;
    const cloneDir = path.dirname(vm.diskPath);
    expect(path.dirname(cloneDir)).toBe(path.dirname(parentDir)); // same pool
    expect(specOf(cloneDir).linkedTo).toEqual({ vmId: PARENT, pointId: 'lc-p1' });
    expect(backing(vm.diskPath)).toBe(layer);
    expect(allocated(vm.diskPath)).toBeLessThan(2 * MiB); // no data copied
    expect((await c().vmPoints(PARENT)).clones).toEqual([{ vmId: CLONE, pointId: 'lc-p1' }]);
    expect((await c().vmPoints(CLONE)).linkedTo).toEqual({ vmId: PARENT, pointId: 'lc-p1' });

    await waitGuestReady(c(), CLONE);
    notes.cloneToGuestReadyMs = Date.now() - t0;
    expect(await guestRecords(CLONE)).toEqual(upTo(5)); // the disk as it was at the point
    expect(await write(CLONE, 4)).toBe(9);
    expect(await guestRecords(CLONE)).toEqual(upTo(9));

    expect(await guestRecords(PARENT)).toEqual(upTo(8));
    expect(await write(PARENT, 1)).toBe(9);
    expect(diskRecords(layer)).toEqual(upTo(5));
    expect(sha256(layer)).toBe(layerSha);
  });

  it('the point and the parent cannot go while the clone depends on them', async () => {
    expect(await codeOf(c().deletePoint(PARENT, 'lc-p1'))).toBe('POINT_IN_USE');
    expect(await codeOf(c().deleteVm(PARENT))).toBe('POINT_IN_USE');
    // Storage migration would leave the parent's points behind.
    const migrate = c().migrateVm(PARENT, {
      migrationUri: 'tcp:127.0.0.1:9',
      nbd: { host: '127.0.0.1', port: 9, exportName: 'x', backingPath: null },
      mode: 'storage',
    });
    expect(await codeOf(migrate)).toBe('POINT_UNSUPPORTED');
    expect((await c().getVm(PARENT)).state).toBe('running');
  });

  it('detach (live) streams with progress; then the point deletes and the clone still boots with its records', async () => {
    // The clone has a point of its own: the stream goes into its bottom file, under that point.
    pointRecordSchema.parse(await run(await c().takePoint(CLONE, { id: 'lc-c1', kind: 'disk' })));
    const seen: { bytesDone: number; bytesTotal: number }[] = [];
    const t0 = Date.now();
    expect(
      await run(await c().detachClone(CLONE), (o) => o.detail && seen.push(o.detail as (typeof seen)[number])),
    ).toBeNull();
    notes.detachLiveMs = Date.now() - t0;
    notes.detachBytesTotal = seen.at(-1)?.bytesTotal;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)!.bytesTotal).toBeGreaterThan(0);
    const vm = await c().getVm(CLONE);
    const bottom = path.join(path.dirname(vm.diskPath), 'disk0.qcow2');
    expect(specOf(path.dirname(vm.diskPath)).linkedTo).toBeUndefined();
    expect(backing(vm.diskPath)).toBe(bottom);
    expect(backing(bottom)).toBe(GUEST_DISK);
    expect(diskRecords(bottom)).toEqual(upTo(9)); // the clone's point holds what it had
    expect((await c().vmPoints(PARENT)).clones).toEqual([]);
    expect((await c().vmPoints(CLONE)).linkedTo).toBeNull();

    expect(await run(await c().deletePoint(PARENT, 'lc-p1'))).toBeNull();
    expect(await guestRecords(PARENT)).toEqual(upTo(9));

    await c().stopVm(CLONE, { force: true });
    await c().startVm(CLONE);
    await waitGuestReady(c(), CLONE);
    expect(await guestRecords(CLONE)).toEqual(upTo(9));
  });

  it('detach of a stopped clone rebases it onto the image (qemu-img, safe mode)', async () => {
    pointRecordSchema.parse(await run(await c().takePoint(PARENT, { id: 'lc-p2', kind: 'disk' })));
    const vm = vmRuntimeSchema.parse(
      await run(await c().clonePoint(PARENT, 'lc-p2', { vm: cloneVm(COLD), start: false })),
    );
    expect(vm.state).toBe('shutoff');
    expect(diskRecords(vm.diskPath)).toEqual(upTo(9));
    expect(await run(await c().detachClone(COLD))).toBeNull();
    expect(backing(vm.diskPath)).toBe(GUEST_DISK);
    expect(diskRecords(vm.diskPath)).toEqual(upTo(9));
    expect(await run(await c().deletePoint(PARENT, 'lc-p2'))).toBeNull();
    expect(diskRecords(vm.diskPath)).toEqual(upTo(9));
    // Nothing depends on the parent any more: it can be deleted.
    await c().deleteVm(COLD);
    await c().deleteVm(PARENT);
  });
});
