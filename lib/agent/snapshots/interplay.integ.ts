// The agent's older features with snapshot chains, on two real agents (TCG) sharing a pool: a
// backup after a revert is a full one and says why; a shared-pool live migration after a snapshot
// runs the chain's top layer on the target even when the caller names the old disk file; a
// restore that replaces the disk of a VM with points keeps the points and leaves "current" empty.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type Operation } from '@/lib/agent-client';
import { backupResultSchema, type BackupResult } from '@/lib/agent-protocol/backup';
import { parseRecords } from '@/lib/testing/disk-records';
import { ask, records, waitGuestReady } from '@/lib/testing/guest';
import { createGuest, migrateVm, startTwoHosts, type TestHost } from '@/lib/testing/two-hosts';
import { pointsFileSchema } from '@/lib/agent-protocol/snapshots';

const VM = 'ip-vm';
let env: Awaited<ReturnType<typeof startTwoHosts>>;
let m1: TestHost;
let m2: TestHost;
let repo: string;
const backups: BackupResult[] = [];

const run = async (h: TestHost, op: Operation) =>
  (await waitForOperation(h.client, op.id, undefined, { intervalMs: 100, timeoutMs: 300_000 })).result;
const write = async (h: TestHost, n: number) =>
  Number(/seq=(\d+)/.exec(await ask(h.client, VM, `write ${n}`, /^VMOPS-(OK seq|ERR)/))![1]);
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const pointsFile = (diskPath: string) =>
  pointsFileSchema.parse(JSON.parse(readFileSync(path.join(path.dirname(diskPath), 'points.json'), 'utf8')));

async function backup(h: TestHost, pointId: string): Promise<BackupResult> {
  const parent = backups.at(-1);
  const req = {
    pointId,
    targetDir: repo,
    bitmap: 'vmops-bm',
    parent: parent ? { path: parent.path } : null,
    manifest: { vmName: VM, vmSpec: { vcpus: 1, memoryMiB: 128, boot: {}, imageId: null, tags: [] } },
  };
  const r = backupResultSchema.parse(await run(h, await h.client.backupVm(VM, req)));
  backups.push(r);
  return r;
}

beforeAll(async () => {
  env = await startTwoHosts();
  [m1, m2] = env.hosts;
  repo = path.join(mkdtempSync(path.join(os.tmpdir(), 'vmops-interplay-repo-')), VM);
  await createGuest(m1, VM, 'shared');
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail')
    for (const h of [m1, m2]) console.log(`--- agent ${h.name} log ---\n${h.log.lines.slice(-60).join('\n')}`);
});

afterAll(async () => {
  await env?.close();
});

describe('snapshot chains and the older agent features', () => {
  it('a backup after a revert is full, and says the disk was reverted', async () => {
    expect(await write(m1, 3)).toBe(3);
    await run(m1, await m1.client.takePoint(VM, { id: 'ip-p1', kind: 'disk' }));
    expect(await write(m1, 2)).toBe(5);
    expect((await backup(m1, 'rp-00000000000a')).kind).toBe('full');
    await write(m1, 1);
    expect((await backup(m1, 'rp-00000000000b')).kind).toBe('incremental');

    await run(m1, await m1.client.revertPoint(VM, 'ip-p1'));
    await waitGuestReady(m1.client, VM);
    const after = await backup(m1, 'rp-00000000000c');
    expect(after).toMatchObject({ kind: 'full', fullReason: expect.stringMatching(/reverted to snapshot ip-p1 at /) });
    expect((await backup(m1, 'rp-00000000000d')).kind).toBe('incremental'); // the next one counts from it again
  });

  it('a shared-pool live migration after a snapshot runs the top layer on the target', async () => {
    await run(m1, await m1.client.takePoint(VM, { id: 'ip-p2', kind: 'disk' }));
    const vm = await m1.client.getVm(VM);
    expect(path.basename(vm.diskPath)).toBe('layer-ip-p2.qcow2');
    expect(await write(m1, 2)).toBe(5);
    // A caller that still names the VM's first disk file (written before the snapshots).
    await migrateVm(m1, m2, { ...vm, diskPath: path.join(path.dirname(vm.diskPath), 'disk0.qcow2') }, 'shared');
    const moved = await m2.client.getVm(VM);
    expect(moved.diskPath).toBe(vm.diskPath);
    expect(await write(m2, 1)).toBe(6);
    expect(parseRecords(await records(m2.client, VM))).toEqual(upTo(6));
    expect((await m2.client.vmPoints(VM)).points.map((p) => p.id)).toEqual(['ip-p1', 'ip-p2']);
  });

  it('a restore replacing the disk keeps the points and clears "current"', async () => {
    await m2.client.stopVm(VM, { force: true });
    expect(pointsFile((await m2.client.getVm(VM)).diskPath).currentId).toBe('ip-p2');
    await run(m2, await m2.client.replaceVmDisk(VM, { sourcePath: backups[0].path, instant: false }));
    const file = pointsFile((await m2.client.getVm(VM)).diskPath);
    expect(file).toMatchObject({ currentId: null, active: 'layer-ip-p2.qcow2' });
    expect(file.points.map((p) => p.id)).toEqual(['ip-p1', 'ip-p2']);
    await m2.client.startVm(VM);
    await waitGuestReady(m2.client, VM);
    expect(parseRecords(await records(m2.client, VM))).toEqual(upTo(5)); // what the first backup held
    // The points are still there to go back to.
    await run(m2, await m2.client.revertPoint(VM, 'ip-p2'));
    await waitGuestReady(m2.client, VM);
    expect(parseRecords(await records(m2.client, VM))).toEqual(upTo(3));
  });
});
