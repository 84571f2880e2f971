// Replication end to end on real QEMU (TCG): two agents as their own processes, the source in
// site `main`, the target in site `dr` with its own data and shared dirs, driven the way the
// worker drives a run (define, receive, send, commit; abort on failure). The test guest's records
// say what each copy holds: a full and incrementals (far fewer bytes), a test failover while the
// source runs and replicates on, a stopped source through qemu-storage-daemon, kill -9 of the
// source agent mid-send (the next run incremental from the last committed point, nothing
// registered twice or half), and an unplanned failover to an older point.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '@/lib/agent-client';
import { relayBootFiles } from '@/lib/agent-client/replication-boot';
import { vmRuntimeSchema } from '@/lib/agent-protocol/core';
import { failoverResultSchema, type SendResult } from '@/lib/agent-protocol/replication';
import { freePort } from '@/lib/net/free-port';
import {
  opResult,
  pointId as pid,
  replicateRun,
  startSiteAgent,
  stopSiteAgents,
  type SiteAgent,
} from '@/lib/testing/dr-sites';
import { startFakeDashboard, type FakeDashboard } from '@/lib/testing/fake-dashboard';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { diskRecords, parseRecords } from '@/lib/testing/disk-records';
import { tempDir } from '@/lib/testing/temp-dir';
import { sleep, waitFor } from '@/lib/wait-for';

const MiB = 1024 * 1024;
const VM = 'dr-src-vm';
const R = 'r-0123456789ab'; // the replica's id on the target (the dashboard's choice)
const JOB = 'job-e2e';

type Agent = SiteAgent;
let dash: FakeDashboard;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let src: Agent;
let dst: Agent;
const notes: Record<string, unknown> = {};

const startSide = (name: string, site: string, port: number, enroll: boolean): Promise<Agent> =>
  startSiteAgent(dash, tmp.path, { name, site, port, enroll });
const op = (c: AgentClient, started: { id: string }) => opResult(c, started);
const write = async (n: number) => Number(/seq=(\d+)/.exec(await ask(src.c, VM, `write ${n}`, /^VMOPS-OK seq/))![1]);
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });

// One run as the worker makes it: a receive session, the send into it, the commit (or the abort).
const replicate = (pointId: string): Promise<SendResult> =>
  replicateRun({ c: src.c, vmId: VM }, { c: dst.c, replicaId: R }, { jobId: JOB, pointId });

const targetVmDir = () => path.join(tmp.path, 'dr1', 'data', 'pool', 'vms', R);
const points = async () => (await dst.c.getReplica(R)).points.map((p) => p.id);

beforeAll(async () => {
  buildGuest();
  dash = await startFakeDashboard();
  tmp = await tempDir('vmops-dr-e2e-');
  [src, dst] = [
    await startSide('src', 'main', await freePort(), true),
    await startSide('dr1', 'dr', await freePort(), true),
  ];
  expect((await src.c.info()).site).toBe('main');
  expect((await dst.c.info()).site).toBe('dr');
  await src.c.createVm({
    id: VM,
    name: VM,
    vcpus: 1,
    memoryMiB: 96,
    diskSizeBytes: 64 * MiB,
    baseImagePath: GUEST_DISK,
    boot: guestBoot(),
  });
  await waitGuestReady(src.c, VM);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.log(`--- source agent ---\n${src?.proc.lines.slice(-50).join('\n')}`);
  console.log(`--- target agent ---\n${dst?.proc.lines.slice(-50).join('\n')}`);
});

afterAll(async () => {
  await stopSiteAgents([src, dst]);
  await dash?.close();
  await tmp?.remove();
  console.log('replication e2e notes:', JSON.stringify(notes));
}, 120_000);

describe('replication between two sites on real QEMU', () => {
  it('replicates full (boot files relayed), then incremental with far fewer bytes', async () => {
    await dst.c.defineReplica(R, {
      spec: { id: R, name: `${VM}-replica`, vcpus: 1, memoryMiB: 96, pool: 'local' },
      sourceVmId: VM,
      jobId: JOB,
      virtualSizeBytes: 64 * MiB,
    });
    // The worker's relay (lib/agent-client): the source's own files streamed into the replica's copies.
    const opts = (a: Agent, hostName: string) => ({ baseUrl: a.url, secret: a.secret, hostName });
    const sizes = await relayBootFiles(opts(src, 'src'), opts(dst, 'dr1'), VM, R);
    expect(sizes).toEqual({
      kernel: statSync(guestBoot().kernelPath).size,
      initrd: statSync(guestBoot().initrdPath).size,
    });
    expect(await write(5)).toBe(5);
    const full = await replicate(pid(1));
    expect(full).toMatchObject({ kind: 'full', vmWasRunning: true });
    expect(await write(3)).toBe(8);
    const inc = await replicate(pid(2));
    expect(inc).toMatchObject({ kind: 'incremental', fullReason: null });
    expect(inc.bytesSent).toBeLessThan(full.bytesSent / 8);
    expect(await points()).toEqual([pid(1), pid(2)]);
    notes.full = { bytes: full.bytesSent, ms: full.durationMs };
    notes.incremental = { bytes: inc.bytesSent, ms: inc.durationMs };
  });

  it('a test failover from a point runs while the source keeps running and replicating', async () => {
    const started = await dst.c.testFailover(R, { pointId: pid(1), spec: { id: 'drtest-e2e1', name: 'drtest' } });
    const test = vmRuntimeSchema.parse(await op(dst.c, started));
    expect(test.state).toBe('running');
    expect(await write(2)).toBe(10);
    const inc = await replicate(pid(3));
    expect(inc.kind).toBe('incremental');
    await waitGuestReady(dst.c, 'drtest-e2e1');
    expect(parseRecords(await records(dst.c, 'drtest-e2e1'))).toEqual(upTo(5));
    expect(parseRecords(await records(src.c, VM))).toEqual(upTo(10));
    await dst.c.deleteVm('drtest-e2e1');
    expect(await points()).toEqual([pid(1), pid(2), pid(3)]);
  });

  it('a stopped source VM replicates through the storage daemon: its last writes arrive', async () => {
    expect(await write(2)).toBe(12);
    await src.c.stopVm(VM, { force: true, timeoutSec: 10 });
    const inc = await replicate(pid(4));
    expect(inc).toMatchObject({ kind: 'incremental', vmWasRunning: false });
    notes.stopped = { bytes: inc.bytesSent, ms: inc.durationMs };
    await src.c.startVm(VM);
    await waitGuestReady(src.c, VM);
    expect(parseRecords(await records(src.c, VM))).toEqual(upTo(12));
  });

  it('kill -9 of the source agent mid-send: the next run is incremental from the last committed point', async () => {
    expect(await write(3)).toBe(15);
    // A full (64 MiB, ~0.3 s) asked for this run, so the job is caught copying.
    const session = await dst.c.receive(R, { pointId: pid(5), full: true });
    const nbd = Number(
      spawnSync('pgrep', ['-f', `qemu-nbd.*${session.target.export}`], { encoding: 'utf8' }).stdout.trim(),
    );
    expect(nbd).toBeGreaterThan(0);
    const partial = path.join(targetVmDir(), `layer-${pid(5)}.qcow2.partial`);
    const blocksBefore = statSync(partial).blocks;
    const started = await src.c.sendReplication(VM, {
      jobId: JOB,
      pointId: pid(5),
      basePointId: pid(4),
      target: session.target,
      full: true,
    });
    // Frozen once the job's first data arrived (a full copies from offset 0, the records): mid-copy.
    await waitFor('the job copying', () => statSync(partial).blocks > blocksBefore, 30_000, 2);
    process.kill(nbd, 'SIGSTOP');
    await sleep(300);
    expect((await src.c.getOperation(started.id)).state).toBe('running');
    src.proc.child.kill('SIGKILL');
    await waitFor('source agent gone', () => src.proc.child.signalCode !== null, 10_000);
    // The worker's recovery: the session aborted, nothing registered.
    await dst.c.abortReceive(R, pid(5));
    process.kill(nbd, 'SIGCONT');
    src = await startSide('src', 'main', src.port, false);
    expect(await write(1)).toBe(16);
    const t0 = Date.now();
    const next = await replicate(pid(6));
    expect(next).toMatchObject({ kind: 'incremental', vmWasRunning: true });
    notes.afterKill = { bytes: next.bytesSent, ms: next.durationMs, runMs: Date.now() - t0 };
    expect(await points()).toEqual([pid(1), pid(2), pid(3), pid(4), pid(6)]);
    expect(src.proc.lines.some((l) => /removing leftover .* job vmops-send-/.test(l))).toBe(true);
    // The replica's newest layer (through its chain) holds exactly what the guest wrote.
    expect(diskRecords(path.join(targetVmDir(), `layer-${pid(6)}.qcow2`))).toEqual(upTo(16));
  });

  it('an unplanned failover to an older point holds exactly the records up to it', async () => {
    const started = await dst.c.failover(R, { pointId: pid(3), start: true });
    const r = failoverResultSchema.parse(await op(dst.c, started));
    expect(r.pointId).toBe(pid(3));
    await waitGuestReady(dst.c, R);
    expect(parseRecords(await records(dst.c, R))).toEqual(upTo(10));
    const state = await dst.c.getReplica(R);
    expect(state.points.map((p) => p.id)).toEqual([pid(1), pid(2), pid(3)]);
    expect(state.promotedFrom).toBe(pid(3));
  });
});
