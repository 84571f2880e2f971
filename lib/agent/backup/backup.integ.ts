// Backups on real QEMU through a real agent process (--driver qemu; no QEMU = failure, never a
// skip). The test guest writes numbered 512-byte records; restoring a point must show exactly the
// records written up to it. Covers: live full + incremental, stopped-VM incremental + full with
// qemu-img, bitmap coherence across them, bitmap loss after kill -9 of QEMU, a backup never
// registered, kill -9 of the agent mid-backup, verify (only inside the repository), rebase (flatten),
// delete, repository, the sweep of unregistered point files.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { type FakeDashboard, startFakeDashboard } from '@/lib/testing/fake-dashboard';
import { manifestOf } from '@/lib/testing/backups';
import { fakeEnrolledClient, spawnAgent, type AgentProcess } from '@/lib/testing/agents';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { tempDir } from '@/lib/testing/temp-dir';
import { waitFor } from '@/lib/wait-for';
import {
  backupResultSchema,
  manifestPathOf,
  rebaseBackupResultSchema,
  verifyBackupResultSchema,
  type BackupResult,
  type BackupVmRequest,
} from '@/lib/agent-protocol/backup';
import { freePort } from '@/lib/net/free-port';

const MiB = 1024 * 1024;
const VM = 'bk-vm';

let dash: FakeDashboard;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let agent: AgentProcess & { port: number };
let c: AgentClient;
let repo: string;
const points: Record<string, BackupResult> = {};
const seqAt: Record<string, number> = {};
const notes: Record<string, unknown> = {};
// The point id (rp-<12 hex>, the only names the agent's file operations take) for a test's key.
const pid = (key: string) => `rp-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;

// Its own process: the test kills it with SIGKILL mid-backup.
async function startAgent(port: number, enroll: boolean) {
  const a = spawnAgent({
    name: 'bk',
    port,
    data: path.join(tmp.path, 'data'),
    shared: path.join(tmp.path, 'shared'),
    dashboard: dash.url,
    driver: 'qemu',
    token: enroll ? dash.token : undefined,
  });
  await a.ready();
  agent = { ...a, port };
  c = fakeEnrolledClient(dash, 'bk', port);
}

const write = async (n: number) => Number(/seq=(\d+)/.exec(await ask(c, VM, `write ${n}`, /^VMOPS-(OK seq|ERR)/))![1]);

async function bootVm(id: string, baseImagePath: string) {
  await c.createVm({
    id,
    name: id,
    vcpus: 1,
    memoryMiB: 96,
    diskSizeBytes: 64 * MiB,
    baseImagePath,
    boot: guestBoot(),
  });
  await waitGuestReady(c, id);
}

const manifest = { vmName: 'bk', vmSpec: { vcpus: 1, memoryMiB: 96, boot: {}, imageId: null, tags: ['prod'] } };

async function backup(
  pointId: string,
  parent: string | null,
  extra: Partial<BackupVmRequest> = {},
): Promise<BackupResult> {
  const op = await c.backupVm(VM, {
    pointId: pid(pointId),
    targetDir: repo,
    bitmap: 'vmops-bm',
    parent: parent ? { path: points[parent].path } : null,
    manifest,
    ...extra,
  });
  const done = await waitForOperation(c, op.id, undefined, { intervalMs: 200 });
  const r = backupResultSchema.parse(done.result);
  points[pointId] = r;
  return r;
}

const info = (file: string) =>
  JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', file], { encoding: 'utf8' })) as {
    'backing-filename'?: string;
  };
const sha256 = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
const partials = () => readdirSync(repo).filter((f) => f.endsWith('.partial'));

function expectSound(r: BackupResult, kind: 'full' | 'incremental', parent: string | null) {
  expect(r.kind).toBe(kind);
  expect(existsSync(r.path)).toBe(true);
  expect(sha256(r.path)).toBe(r.sha256);
  expect(info(r.path)['backing-filename'] ?? null).toBe(parent ? points[parent].path : null);
  expect(partials()).toEqual([]);
  // The manifest beside it says the same, with the VM the worker described.
  const { formatVersion, pointId, parent: parentName, ...rest } = manifestOf(r.path);
  expect({ formatVersion, pointId, parentName }).toEqual({
    formatVersion: 1,
    pointId: path.basename(r.path, '.qcow2'),
    parentName: parent && path.basename(points[parent].path),
  });
  expect(rest).toEqual({
    vmId: VM,
    ...manifest,
    kind,
    fullReason: r.fullReason,
    takenAt: r.takenAt,
    sha256: r.sha256,
    sizeBytes: r.sizeBytes,
    virtualSizeBytes: r.virtualSizeBytes,
    bytesWritten: r.bytesWritten,
    durationMs: r.durationMs,
  });
}

beforeAll(async () => {
  buildGuest();
  dash = await startFakeDashboard();
  tmp = await tempDir('vmops-backup-integ-');
  repo = path.join(tmp.path, 'repo', VM);
  mkdirSync(path.dirname(repo)); // the repository; the agent makes only the VM's dir in it
  await startAgent(await freePort(), true);
  await bootVm(VM, GUEST_DISK);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(`--- agent log ---\n${agent.lines.slice(-80).join('\n')}`);
});

afterAll(async () => {
  for (const vm of (await c?.listVms().catch(() => [])) ?? []) await c.deleteVm(vm.id).catch(() => {});
  agent?.child.kill('SIGTERM');
  await waitFor('agent exit', () => agent.child.exitCode !== null || agent.child.signalCode !== null, 20_000).catch(
    () => agent.child.kill('SIGKILL'),
  );
  await dash?.close();
  await tmp?.remove();
  console.log('backup integ notes:', JSON.stringify(notes));
});

describe('backups on real QEMU', () => {
  it('takes a live full, then an incremental holding only the changed clusters', async () => {
    await ask(c, VM, 'writemb 8', /^VMOPS-(OK writemb|ERR)/);
    seqAt.p1 = await write(5);
    const p1 = await backup('p1', null);
    expectSound(p1, 'full', null);
    expect(p1.bytesWritten).toBeGreaterThanOrEqual(8 * MiB);
    expect(p1.fullReason).toMatch(/no previous backup/);
    expect(p1.vmState).toBe('running');

    seqAt.p2 = await write(5);
    const p2 = await backup('p2', 'p1');
    expectSound(p2, 'incremental', 'p1');
    expect(p2.fullReason).toBeNull();
    // 5 records of 512 B sit in one 64 KiB cluster; the guest's own writes add little more.
    expect(p2.bytesWritten).toBeGreaterThan(0);
    expect(p2.bytesWritten).toBeLessThanOrEqual(4 * 64 * 1024);
    expect(p2.bytesWritten).toBeLessThan(p1.bytesWritten);
    notes.live = { fullBytes: p1.bytesWritten, incBytes: p2.bytesWritten, fullMs: p1.durationMs, incMs: p2.durationMs };
  });

  it('backs up a stopped VM with qemu-img (incremental by content, then full) and keeps the bitmap coherent', async () => {
    seqAt.p3 = await write(3);
    await c.stopVm(VM, { force: false, timeoutSec: 60 });
    const p3 = await backup('p3', 'p2');
    expectSound(p3, 'incremental', 'p2');
    expect(p3.vmState).toBe('shutoff');
    expect(p3.bytesWritten).toBeGreaterThanOrEqual(64 * 1024); // the cluster holding records 11-13
    expect(p3.bytesWritten).toBeLessThanOrEqual(4 * 64 * 1024);
    seqAt.p4 = seqAt.p3;
    const p4 = await backup('p4', 'p3', { forceFull: true });
    expectSound(p4, 'full', null);
    expect(p4.fullReason).toMatch(/requested/);

    // The stopped backup reset the bitmap: the next live backup is incremental against p4.
    await c.startVm(VM);
    await waitFor('guest ready', async () => (await c.getVm(VM)).guestReady, 180_000, 250);
    seqAt.p5 = await write(4);
    const p5 = await backup('p5', 'p4');
    expectSound(p5, 'incremental', 'p4');
    expect(p5.bytesWritten).toBeLessThanOrEqual(4 * 64 * 1024);
    notes.offline = { incBytes: p3.bytesWritten, fullBytes: p4.bytesWritten, liveIncAfterOffline: p5.bytesWritten };
  });

  it('takes a full with the reason after QEMU was killed (inconsistent bitmap) or a backup went unregistered', async () => {
    const { pid } = await c.getVm(VM);
    process.kill(pid!, 'SIGKILL');
    await waitFor('VM off', async () => ['crashed', 'shutoff'].includes((await c.getVm(VM)).state), 30_000, 200);
    await c.startVm(VM);
    await waitFor('guest ready', async () => (await c.getVm(VM)).guestReady, 180_000, 250);
    seqAt.p6 = await write(2);
    const p6 = await backup('p6', 'p5');
    expectSound(p6, 'full', null);
    expect(p6.fullReason).toMatch(/inconsistent/);

    seqAt.p7 = await write(3);
    expectSound(await backup('p7', 'p6'), 'incremental', 'p6');
    // p7 exists but the dashboard "never registered" it: asking for an incremental on p6 again.
    seqAt.p7b = await write(1);
    const p7b = await backup('p7b', 'p6');
    expectSound(p7b, 'full', null);
    expect(p7b.fullReason).toMatch(/never registered/);
  });

  it('recovers from kill -9 of the agent mid-backup (no partial or unregistered file counted, next run full) and from a removed bitmap', async () => {
    await ask(c, VM, 'writemb 24', /^VMOPS-(OK writemb|ERR)/);
    const op = await c.backupVm(VM, {
      pointId: pid('p8'),
      targetDir: repo,
      bitmap: 'vmops-bm',
      parent: { path: points.p7b.path },
      manifest,
      speedBytesPerSec: MiB,
    });
    await waitFor(
      'backup copying',
      async () => ((await c.getOperation(op.id)).detail?.bytesDone as number) > 0,
      60_000,
      100,
    );
    agent.child.kill('SIGKILL');
    await waitFor('agent gone', () => agent.child.signalCode !== null, 10_000);
    expect(existsSync(path.join(repo, `${pid('p8')}.qcow2.partial`))).toBe(true);

    await startAgent(agent.port, false);
    expect((await c.getVm(VM)).state).toBe('running');
    seqAt.p9 = await write(2);
    const p9 = await backup('p9', 'p7b');
    expectSound(p9, 'full', null); // expectSound also checks no .partial is left
    expect(p9.fullReason).toMatch(/did not finish/);
    expect(existsSync(path.join(repo, `${pid('p8')}.qcow2`)) || existsSync(path.join(repo, `${pid('p8')}.json`))).toBe(
      false,
    );
    expect(agent.lines.some((l) => /removing leftover backup job/.test(l))).toBe(true);
    seqAt.p10 = await write(1);
    expectSound(await backup('p10', 'p9'), 'incremental', 'p9');

    // The bitmap removed behind vmops' back (VM off, qemu-img), then started again: a full, with why.
    const { diskPath } = await c.getVm(VM);
    await c.stopVm(VM, { force: false, timeoutSec: 60 });
    execFileSync('qemu-img', ['bitmap', '--remove', diskPath, 'vmops-bm']);
    await c.startVm(VM);
    await waitFor('guest ready', async () => (await c.getVm(VM)).guestReady, 180_000, 250);
    const p11 = await backup('p11', 'p10');
    expectSound(p11, 'full', null);
    expect(p11.fullReason).toMatch(/no dirty bitmap "vmops-bm"/);
    notes.fullReasons = Object.fromEntries(Object.entries(points).map(([k, v]) => [k, v.fullReason]));
  });

  it('restores every kind of point to exactly the records written up to it', async () => {
    const heads = ['p1', 'p2', 'p3', 'p5', 'p7', 'p10'];
    const restored: Record<string, string> = {};
    // Two guests at a time: 2 shared cores under TCG.
    for (let i = 0; i < heads.length; i += 2) {
      await Promise.all(
        heads.slice(i, i + 2).map(async (p) => {
          const disk = path.join(tmp.path, `restore-${p}.qcow2`);
          execFileSync('qemu-img', ['convert', '-O', 'qcow2', points[p].path, disk]);
          const id = `rs-${p}`;
          await bootVm(id, disk);
          restored[p] = await records(c, id);
          await c.deleteVm(id);
        }),
      );
    }
    for (const p of heads)
      expect(restored[p], p).toBe(`VMOPS-RECORDS first=1 last=${seqAt[p]} count=${seqAt[p]} gaps=0`);
  });

  it('verifies checksums, flattens with rebase, deletes only backup files, reports the repository', async () => {
    const vop = await c.verifyBackupFiles({
      repository: path.dirname(repo),
      files: [
        { path: points.p1.path, sha256: points.p1.sha256 },
        { path: points.p2.path, sha256: 'f'.repeat(64) },
        { path: path.join(repo, `${pid('gone')}.qcow2`), sha256: 'f'.repeat(64) },
      ],
    });
    const v = verifyBackupResultSchema.parse(
      (await waitForOperation(c, vop.id, undefined, { intervalMs: 200 })).result,
    );
    expect(v.files.map((f) => [f.ok, f.error])).toEqual([
      [true, null],
      [false, 'SHA-256 differs from the registered one'],
      [false, 'file is missing'],
    ]);
    expect(v.files[1].actualSha256).toBe(points.p2.sha256);
    // Each file's manifest comes back for the caller to compare with its records.
    expect(v.files.map((f) => [f.manifest?.sha256 ?? null, f.manifestError])).toEqual([
      [points.p1.sha256, null],
      [points.p2.sha256, null],
      [null, null],
    ]);
    // Only backup files inside the repository named: not a VM disk, not a file elsewhere.
    const disk = (await c.getVm(VM)).diskPath;
    await expect(
      c.verifyBackupFiles({ repository: path.dirname(repo), files: [{ path: disk, sha256: 'f'.repeat(64) }] }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      data: { fields: { 'files.0.path': [expect.stringMatching(/inside the repository/)] } },
    });
    await expect(
      c.verifyBackupFiles({ repository: path.dirname(disk), files: [{ path: disk, sha256: 'f'.repeat(64) }] }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      data: { fields: { repository: [expect.stringMatching(/inside this host's VM pool/)] } },
    });

    const before = path.join(tmp.path, 'p2-chain.qcow2');
    execFileSync('qemu-img', ['convert', '-O', 'qcow2', points.p2.path, before]);
    const rop = await c.rebaseBackup({ path: points.p2.path, backingPath: null });
    const r = rebaseBackupResultSchema.parse(
      (await waitForOperation(c, rop.id, undefined, { intervalMs: 200 })).result,
    );
    expect(info(points.p2.path)['backing-filename']).toBeUndefined();
    expect(r.sha256).toBe(sha256(points.p2.path));
    // The rebase rewrote the manifest: no parent, the new checksum, a full now.
    expect(r.manifestUpdated).toBe(true);
    expect(manifestOf(points.p2.path)).toMatchObject({
      parent: null,
      kind: 'full',
      sha256: r.sha256,
      sizeBytes: r.sizeBytes,
      fullReason: expect.stringMatching(/flattened/),
    });
    // Flattened p2 reads exactly like the p1+p2 chain it was (compare exits non-zero otherwise).
    expect(
      execFileSync('qemu-img', ['compare', '-f', 'qcow2', '-F', 'qcow2', points.p2.path, before], { encoding: 'utf8' }),
    ).toMatch(/identical/);

    await expect(c.deleteBackupFiles({ paths: ['relative.qcow2'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(c.deleteBackupFiles({ paths: [(await c.getVm(VM)).diskPath] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(existsSync(manifestPathOf(points.p7b.path))).toBe(true);
    const never = path.join(repo, `${pid('never')}.qcow2.partial`);
    expect(await c.deleteBackupFiles({ paths: [points.p7b.path, never] })).toEqual({
      deleted: [points.p7b.path, never, manifestPathOf(points.p7b.path)],
    });
    expect(existsSync(points.p7b.path) || existsSync(manifestPathOf(points.p7b.path))).toBe(false);

    // A backup writes only into <repository>/<vmId> of an allowed, existing repository.
    const req = { pointId: pid('nowhere'), bitmap: 'vmops-bm', parent: null, manifest };
    await expect(c.backupVm(VM, { ...req, targetDir: path.join(tmp.path, 'unmounted', VM) })).rejects.toMatchObject({
      code: 'REPOSITORY_UNAVAILABLE',
      status: 503,
    });
    await expect(
      c.backupVm(VM, { ...req, targetDir: path.join(path.dirname(repo), 'other-vm') }),
    ).rejects.toMatchObject({
      status: 422,
      data: { fields: { targetDir: [expect.stringMatching(/VM's directory/)] } },
    });
    await expect(c.backupVm(VM, { ...req, targetDir: path.join(path.dirname(disk), VM) })).rejects.toMatchObject({
      status: 422,
      data: { fields: { targetDir: [expect.stringMatching(/VM pool local/)] } },
    });
    await expect(c.backupVm(VM, { ...req, targetDir: repo, parent: { path: disk } })).rejects.toMatchObject({
      status: 422,
      data: { fields: { 'parent.path': [expect.stringMatching(/not a restore point file/)] } },
    });
    expect(existsSync(path.join(tmp.path, 'unmounted'))).toBe(false);

    const st = await c.checkRepository({ path: path.dirname(repo), create: false });
    expect(st).toMatchObject({ exists: true, writable: true, resolvedPath: path.dirname(repo) });
    expect(st.usedBytes).toBeGreaterThan(points.p1.bytesWritten);
    expect(st.freeBytes).toBeGreaterThan(0);
  });

  it('a backup told which files are registered first removes old unregistered point files and their manifests, nothing else', async () => {
    const [lost, young, kept] = ['rp-0123456789ab.qcow2', 'rp-abcdefabcdef.qcow2', 'rp-aaaaaaaaaaaa.qcow2'].map((n) =>
      path.join(repo, n),
    );
    for (const f of [lost, young, kept]) execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', f, '1M']);
    for (const f of [lost, kept]) writeFileSync(manifestPathOf(f), '{}');
    const lonely = path.join(repo, 'rp-bbbbbbbbbbbb.json'); // a manifest whose file is already gone
    writeFileSync(lonely, '{}');
    const old = new Date(Date.now() - 11 * 60_000);
    for (const f of [lost, kept, lonely]) utimesSync(f, old, old);
    const gone = [lost, manifestPathOf(lost), lonely];
    const before = readdirSync(repo)
      .filter((f) => !gone.includes(path.join(repo, f)))
      .sort();
    const p12 = await backup('p12', 'p11', { registered: [...Object.values(points).map((p) => p.path), kept] });
    expectSound(p12, 'incremental', 'p11'); // the parent stays whatever the list says
    expect([...p12.removedFiles].sort()).toEqual([...gone].sort());
    expect(readdirSync(repo).sort()).toEqual([...before, `${pid('p12')}.qcow2`, `${pid('p12')}.json`].sort());
    // Without the list nothing is swept (an older worker).
    utimesSync(young, old, old);
    const p13 = await backup('p13', 'p12');
    expect(p13.removedFiles).toEqual([]);
    expect(existsSync(young)).toBe(true);
  });
});
