// A replica's TARGET side on real QEMU (TCG) and qemu-nbd, through the agent's HTTP API; no QEMU =
// failure, never a skip. The test plays the source: it writes into the receive session's NBD
// export with qemu-img / qemu-io. Define, refuse start, full + incremental points, keep-N merge
// (data of the kept points exact), abort and expiry (no partial, no qemu-nbd left), test failover
// (pruning stops at it, the replica cannot go, its delete updates `tests`), failover to an older
// point that boots the test guest.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForOperation, type Operation } from '@/lib/agent-client';
import { putReplicaBootFile, relayBootFiles } from '@/lib/agent-client/replication-boot';
import type { VmSpec } from '@/lib/agent/driver/types';
import { failoverResultSchema, type ReceiveSession } from '@/lib/agent-protocol/replication';
import { vmRuntimeSchema } from '@/lib/agent-protocol/core';
import { type QemuTestAgent, startQemuTestAgent } from '@/lib/testing/agents';
import { buildGuest, GUEST_DISK, guestBoot, waitGuestReady } from '@/lib/testing/guest';
import { tempDir } from '@/lib/testing/temp-dir';
import { freePort } from '@/lib/net/free-port';
import { waitFor } from '@/lib/wait-for';

const ID = 'r-0123456789ab';
const TEST_VM = 'vm-drtest-0001';
const P = ['rpl-000000000001', 'rpl-000000000002', 'rpl-000000000003', 'rpl-000000000004', 'rpl-000000000005'];
const MiB = 1024 * 1024;
const TTL_MS = 8_000;

let h: QemuTestAgent;
let work: Awaited<ReturnType<typeof tempDir>>;
let dir: string;
const notes: Record<string, unknown> = {};

const c = () => h.client;
const run = async (op: Operation) => (await waitForOperation(c(), op.id, undefined, { timeoutMs: 300_000 })).result;
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (err: { code?: string }) => err.code,
  );
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { timeout: 120_000 }).toString();
const nbdUrl = (s: ReceiveSession) => `nbd://${s.target.host}:${s.target.port}/${s.target.export}`;
const nbdRunning = () => {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args=']).toString();
  return out.split('\n').filter((l) => l.includes('qemu-nbd') && l.includes(dir) && !/^\s*\d+\s+Z/.test(l));
};
const partials = () => readdirSync(dir).filter((f) => f.endsWith('.partial'));
const same = (a: string, b: string) => sh('qemu-img', ['compare', '-U', a, b]).includes('identical');
const commit = (pointId: string, kind: 'full' | 'incremental', keep: number) =>
  c().commitReceive(ID, pointId, {
    takenAt: new Date().toISOString(),
    kind,
    fullReason: kind === 'full' ? 'first run' : null,
    bytesSent: MiB,
    keep,
  });
// An incremental point: `pattern` written at `offMiB` into the export, and into the reference.
async function incremental(pointId: string, ref: string, pattern: number, offMiB: number, keep: number) {
  const s = await c().receive(ID, { pointId, full: false });
  const io = ['-c', `write -P ${pattern} ${offMiB}M 1M`];
  sh('qemu-io', ['-f', 'raw', ...io, nbdUrl(s)]);
  sh('qemu-io', ['-f', 'qcow2', ...io, ref]);
  return { session: s, state: await commit(pointId, 'incremental', keep) };
}

beforeAll(async () => {
  buildGuest();
  process.env.VMOPS_REPLICA_RECEIVE_TTL_MS = String(TTL_MS);
  h = await startQemuTestAgent('dr-target');
  work = await tempDir('vmops-replica-ref-');
  dir = path.join(h.pool.path, 'vms', ID);
}, 600_000);

afterAll(async () => {
  delete process.env.VMOPS_REPLICA_RECEIVE_TTL_MS;
  const leftover = dir ? nbdRunning() : [];
  for (const l of leftover) process.kill(Number(l.trim().split(/\s+/)[0]), 'SIGKILL'); // a failed test's export
  await h?.stop();
  await work?.remove();
  console.log('replica target notes', JSON.stringify(notes));
  expect(leftover).toEqual([]);
});

describe('replica target on real QEMU', { timeout: 600_000 }, () => {
  it('defines a replica (idempotent), refuses ordinary VM ids and refuses to start it', async () => {
    const boot = guestBoot();
    const req = {
      spec: { id: ID, name: 'guest-replica', vcpus: 1, memoryMiB: 128, boot },
      sourceVmId: 'vm-src-0001',
      jobId: 'job-1',
      virtualSizeBytes: 64 * MiB,
    };
    const state = await c().defineReplica(ID, req);
    expect(state).toMatchObject({ id: ID, sourceVmId: 'vm-src-0001', points: [], tests: [], promotedFrom: null });
    expect(await c().defineReplica(ID, req)).toEqual(state);
    await c().defineReplica(ID, { ...req, spec: { ...req.spec, memoryMiB: 96 } }); // follows the source
    expect((JSON.parse(readFileSync(path.join(dir, 'vm.json'), 'utf8')) as VmSpec).memoryMiB).toBe(96);
    await c().defineReplica(ID, req);
    const spec = JSON.parse(readFileSync(path.join(dir, 'vm.json'), 'utf8')) as VmSpec;
    expect(spec.replicaOf).toEqual({ sourceVmId: 'vm-src-0001', jobId: 'job-1' });
    expect(spec.boot).toEqual({ append: boot.append }); // never the source's paths
    expect(await codeOf(c().startVm(ID))).toBe('CONFLICT');

    const other = 'r-0000000000ff';
    await c().defineReplica(other, { ...req, spec: { ...req.spec, id: other } });
    expect(existsSync(path.join(h.pool.path, 'vms', other, 'replica.json'))).toBe(true);
    expect(await run(await c().deleteReplica(other))).toBeNull();
    expect(existsSync(path.join(h.pool.path, 'vms', other))).toBe(false);

    const plainDir = path.join(h.pool.path, 'vms', 'vm-plain-0001');
    await h.driver.defineVm({ ...spec, id: 'vm-plain-0001', vmDir: plainDir, replicaOf: undefined });
    expect(
      await codeOf(c().defineReplica('vm-plain-0001', { ...req, spec: { ...req.spec, id: 'vm-plain-0001' } })),
    ).toBe('CONFLICT');
    await h.driver.undefineVm('vm-plain-0001');

    for (const file of ['kernel', 'initrd'] as const) {
      const data = readFileSync(file === 'kernel' ? boot.kernelPath : boot.initrdPath);
      const target = { baseUrl: h.baseUrl, secret: h.secret!, hostName: 'dr-target' };
      await expect(
        putReplicaBootFile(target, ID, file, Buffer.alloc(0), 0, AbortSignal.timeout(60_000)),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await putReplicaBootFile(target, ID, file, data, data.length, AbortSignal.timeout(60_000));
      expect(readFileSync(path.join(dir, `boot-${file}`)).equals(data)).toBe(true);
    }
  });

  it('receives a full point, then incrementals; keep 2 merges the oldest and keeps the data exact', async () => {
    const s = await c().receive(ID, { pointId: P[0], full: true });
    expect(s).toMatchObject({ pointId: P[0], basePointId: null, expiresInMs: TTL_MS });
    expect(s.target.host).toBe('127.0.0.1');
    expect(partials()).toEqual([`layer-${P[0]}.qcow2.partial`]);
    let t0 = Date.now();
    sh('qemu-img', ['convert', '-n', '-f', 'qcow2', '-O', 'raw', GUEST_DISK, nbdUrl(s)]);
    notes.fullCopyMs = Date.now() - t0;
    t0 = Date.now();
    const first = await commit(P[0], 'full', 2);
    notes.commitMs = Date.now() - t0;
    expect(first.points.map((p) => p.id)).toEqual([P[0]]);
    expect(partials()).toEqual([]);
    expect(same(GUEST_DISK, path.join(dir, `layer-${P[0]}.qcow2`))).toBe(true);

    const ref2 = path.join(work.path, 'ref2.qcow2');
    sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', GUEST_DISK, '-F', 'qcow2', ref2]);
    const second = await incremental(P[1], ref2, 0x22, 48, 2);
    expect(second.session.basePointId).toBe(P[0]);
    expect(second.state.points.map((p) => [p.id, p.kind])).toEqual([
      [P[0], 'full'],
      [P[1], 'incremental'],
    ]);
    notes.incrementalLayerBytes = second.state.points[1].layerBytes;
    expect(second.state.points[1].layerBytes).toBeLessThan(8 * MiB); // only the changed clusters

    const ref3 = path.join(work.path, 'ref3.qcow2');
    sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', ref2, '-F', 'qcow2', ref3]);
    t0 = Date.now();
    const third = await incremental(P[2], ref3, 0x33, 50, 2);
    notes.commitWithMergeMs = Date.now() - t0;
    // P1 merged away: P2 now owns the oldest file, P3 sits on it.
    expect(third.state.points.map((p) => [p.id, p.layer])).toEqual([
      [P[1], `layer-${P[0]}.qcow2`],
      [P[2], `layer-${P[2]}.qcow2`],
    ]);
    expect(existsSync(path.join(dir, `layer-${P[1]}.qcow2`))).toBe(false);
    expect(same(ref2, path.join(dir, `layer-${P[0]}.qcow2`))).toBe(true);
    expect(same(ref3, path.join(dir, `layer-${P[2]}.qcow2`))).toBe(true);
    expect(await c().getReplica(ID)).toEqual(third.state);
  });

  it('abort and expiry leave no partial and no qemu-nbd; a stale session cannot be committed', async () => {
    await c().receive(ID, { pointId: P[3], full: false });
    expect(nbdRunning()).toHaveLength(1);
    await c().abortReceive(ID, P[3]);
    await c().abortReceive(ID, P[3]); // idempotent
    expect(partials()).toEqual([]);
    expect(nbdRunning()).toEqual([]);

    // What an agent that died mid-receive leaves: a partial and its qemu-nbd (nbd.pid). The next
    // receive kills that export and removes the partial.
    const stale = path.join(dir, `layer-${P[4]}.qcow2.partial`);
    sh('qemu-img', ['create', '-q', '-f', 'qcow2', stale, '64M']);
    const port = String(await freePort());
    const pidFile = path.join(dir, 'nbd.pid');
    sh('qemu-nbd', ['-f', 'qcow2', '--bind=127.0.0.1', `--port=${port}`, '--fork', `--pid-file=${pidFile}`, stale]);
    expect(nbdRunning()).toHaveLength(1);
    await c().receive(ID, { pointId: P[3], full: false });
    expect(partials()).toEqual([`layer-${P[3]}.qcow2.partial`]);
    expect(nbdRunning()).toHaveLength(1);
    expect(nbdRunning()[0]).not.toContain(stale);
    const t0 = Date.now();
    await waitFor('session expiry', async () => partials().length === 0 && nbdRunning().length === 0, 30_000, 200);
    notes.expiredAfterMs = Date.now() - t0;
    expect(Date.now() - t0).toBeGreaterThan(TTL_MS / 2);
    expect(await codeOf(commit(P[3], 'incremental', 2))).toBe('CONFLICT');
    expect((await c().getReplica(ID)).points).toHaveLength(2);
  });

  it('test failover runs a copy, blocks pruning and the replica delete, and its delete updates tests', async () => {
    const vm = vmRuntimeSchema.parse(
      await run(await c().testFailover(ID, { pointId: P[1], spec: { id: TEST_VM, name: 't' } })),
    );
    expect(vm.state).toBe('running');
    await waitGuestReady(c(), TEST_VM);
    expect((await c().getReplica(ID)).tests).toEqual([{ vmId: TEST_VM, pointId: P[1] }]);
    // The worker's relay, with this agent as both ends: the test VM's boot files (the replica's
    // copies) streamed back into the replica.
    const ep = { baseUrl: h.baseUrl, secret: h.secret!, hostName: 'dr-target' };
    const boot = guestBoot();
    expect(await relayBootFiles(ep, ep, TEST_VM, ID)).toEqual({
      kernel: statSync(boot.kernelPath).size,
      initrd: statSync(boot.initrdPath).size,
    });

    const ref4 = path.join(work.path, 'ref4.qcow2');
    sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', path.join(work.path, 'ref3.qcow2'), '-F', 'qcow2', ref4]);
    const fourth = await incremental(P[3], ref4, 0x44, 52, 2);
    expect(fourth.state.points.map((p) => p.id)).toEqual([P[1], P[2], P[3]]); // not pruned under the test
    expect(await codeOf(c().deleteReplica(ID))).toBe('POINT_IN_USE');
    expect(await codeOf(c().deleteVm(ID))).toBe('POINT_IN_USE');

    await c().stopVm(TEST_VM, { force: true });
    await c().deleteVm(TEST_VM);
    expect((await c().getReplica(ID)).tests).toEqual([]);
  });

  it('fails over to an older point: newer points dropped, bitmap added, the guest boots', async () => {
    const t0 = Date.now();
    const result = failoverResultSchema.parse(await run(await c().failover(ID, { pointId: P[2], start: true })));
    notes.failoverToRunningMs = Date.now() - t0;
    expect(result.runtime.state).toBe('running');
    await waitGuestReady(c(), ID);
    notes.failoverToGuestReadyMs = Date.now() - t0;
    const state = await c().getReplica(ID);
    expect(state.promotedFrom).toBe(P[2]);
    expect(state.points.map((p) => p.id)).toEqual([P[1], P[2]]);
    expect(existsSync(path.join(dir, `layer-${P[3]}.qcow2`))).toBe(false);
    const spec = JSON.parse(readFileSync(path.join(dir, 'vm.json'), 'utf8')) as VmSpec;
    expect(spec.replicaOf).toBeUndefined();
    expect(statSync(spec.diskPath).isFile()).toBe(true);
    const info = JSON.parse(sh('qemu-img', ['info', '-U', '--output=json', spec.diskPath])) as {
      'format-specific': { data: { bitmaps?: { name: string; flags: string[] }[] } };
    };
    expect(info['format-specific'].data.bitmaps?.map((b) => b.name)).toEqual([`vmops-repl-${P[2]}`]);
    expect(await codeOf(c().receive(ID, { pointId: P[4], full: false }))).toBe('CONFLICT');
    await c().stopVm(ID, { force: true });
  });
});
