// Failback end to end on real QEMU (TCG): the protected VM V in site `main`, its replica R in site
// `dr`, the test guest writing records. Replicated (full + incremental), V writes 2 records that
// never travel and is force-stopped (unplanned), R fails over to the newest point and writes on;
// failback copies R back INTO V's own disk: the pull (A's 2 divergent records' clusters get B's
// content) and the push, an incremental second reverse run, the switch back (R stopped, final
// reverse run, demote, V started): V holds exactly R's records, and the next forward run is
// incremental from the demoted point.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '@/lib/agent-client';
import { relayBootFiles } from '@/lib/agent-client/replication-boot';
import { failoverResultSchema, pullResultSchema, sendResultSchema } from '@/lib/agent-protocol/replication';
import { freePort } from '@/lib/net/free-port';
import { diskRecords, parseRecords } from '@/lib/testing/disk-records';
import {
  opResult as op,
  pointId as pid,
  replicateRun,
  startSiteAgent,
  stopSiteAgents,
  type SiteAgent,
} from '@/lib/testing/dr-sites';
import { startFakeDashboard, type FakeDashboard } from '@/lib/testing/fake-dashboard';
import { ask, buildGuest, GUEST_DISK, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { tempDir } from '@/lib/testing/temp-dir';

const MiB = 1024 * 1024;
const DISK = 64 * MiB;
const VM = 'fb-src-vm';
const R = 'r-fb0123456789';
const JOB = 'job-fb';
const rev = (n: number) => pid(0x100 + n); // reverse points
const FWD = pid(0x200); // the demoted point the forward runs continue from

let dash: FakeDashboard;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let a: SiteAgent;
let b: SiteAgent;
const notes: Record<string, unknown> = { diskBytes: DISK };

const write = async (c: AgentClient, id: string, n: number) =>
  Number(/seq=(\d+)/.exec(await ask(c, id, `write ${n}`, /^VMOPS-OK seq/))![1]);
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const forward = (pointId: string) =>
  replicateRun({ c: a.c, vmId: VM }, { c: b.c, replicaId: R }, { jobId: JOB, pointId });

// One reverse run: R's changes since `basePointId` pushed into V's own disk, committed in place.
async function reverseRun(pointId: string, basePointId: string, forwardBasePointId: string | null = null) {
  const session = await a.c.receiveInPlace(VM, { pointId });
  try {
    const started = await b.c.sendReplication(R, {
      jobId: JOB,
      pointId,
      basePointId,
      target: session.target,
      full: false,
    });
    const sent = sendResultSchema.parse(await op(b.c, started));
    const state = await a.c.commitInPlace(VM, pointId, { forwardBasePointId });
    return { session, sent, state };
  } catch (err) {
    await a.c.abortInPlace(VM, pointId).catch(() => {});
    throw err;
  }
}

beforeAll(async () => {
  buildGuest();
  dash = await startFakeDashboard();
  tmp = await tempDir('vmops-fb-e2e-');
  a = await startSiteAgent(dash, tmp.path, { name: 'fa', site: 'main', port: await freePort(), enroll: true });
  b = await startSiteAgent(dash, tmp.path, { name: 'fb', site: 'dr', port: await freePort(), enroll: true });
  const boot = guestBoot();
  await a.c.createVm({
    id: VM,
    name: VM,
    vcpus: 1,
    memoryMiB: 96,
    diskSizeBytes: DISK,
    baseImagePath: GUEST_DISK,
    boot,
  });
  await waitGuestReady(a.c, VM);
  await b.c.defineReplica(R, {
    spec: { id: R, name: `${VM}-replica`, vcpus: 1, memoryMiB: 96, pool: 'local', boot: { append: boot.append } },
    sourceVmId: VM,
    jobId: JOB,
    virtualSizeBytes: DISK,
  });
  const side = (s: SiteAgent, hostName: string) => ({ baseUrl: s.url, secret: s.secret, hostName });
  await relayBootFiles(side(a, 'fa'), side(b, 'fb'), VM, R);
}, 600_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.log(`--- site A agent ---\n${a?.proc.lines.slice(-50).join('\n')}`);
  console.log(`--- site B agent ---\n${b?.proc.lines.slice(-50).join('\n')}`);
});

afterAll(async () => {
  await stopSiteAgents([a, b]);
  await dash?.close();
  await tmp?.remove();
  console.log('failback e2e notes:', JSON.stringify(notes));
}, 120_000);

describe('failback on real QEMU', () => {
  it('replicates, loses A (2 records never replicated), fails over to the newest point', async () => {
    // 126 records: the last ends just inside cluster 0; A's divergent 127, 128 touch clusters 0 and 1.
    expect(await write(a.c, VM, 120)).toBe(120);
    expect((await forward(pid(1))).kind).toBe('full');
    expect(await write(a.c, VM, 6)).toBe(126);
    expect((await forward(pid(2))).kind).toBe('incremental');
    expect(await write(a.c, VM, 2)).toBe(128);
    await a.c.stopVm(VM, { force: true, timeoutSec: 10 });
    const r = failoverResultSchema.parse(await op(b.c, await b.c.failover(R, { pointId: pid(2), start: true })));
    expect(r.pointId).toBe(pid(2));
    await waitGuestReady(b.c, R);
    expect(parseRecords(await records(b.c, R))).toEqual(upTo(126));
    expect(await write(b.c, R, 1)).toBe(127); // cluster 0 only: cluster 1 is A's alone
  });

  it('first reverse run: the pull brings back B content for A divergent clusters, the push sends B writes', async () => {
    const exp = await b.c.exportReplication(R, { expiresInMs: 120_000 });
    expect(exp.virtualSizeBytes).toBe(DISK);
    // No bitmap for that point (a failover to an older point than A's newest): nothing pulled.
    const none = pullResultSchema.parse(
      await op(a.c, await a.c.pullReplication(VM, { basePointId: pid(9), source: exp.target })),
    );
    expect(none).toMatchObject({ bitmapFound: false, bytesPulled: 0 });
    const pulled = pullResultSchema.parse(
      await op(a.c, await a.c.pullReplication(VM, { basePointId: pid(2), source: exp.target })),
    );
    await b.c.endExport(R, exp.exportId);
    expect(pulled).toMatchObject({ bitmapFound: true, virtualSizeBytes: DISK });
    expect(pulled.bytesPulled).toBeGreaterThan(0);
    expect(pulled.bytesPulled).toBeLessThanOrEqual(256 * 1024); // the 2 records' clusters (64 KiB each)
    const vDisk = (await a.c.getVm(VM)).diskPath;
    expect(diskRecords(vDisk)).toEqual(upTo(127)); // A's 128 gone, B's 127 there

    // While the in-place session is open V does not start.
    const session = await a.c.receiveInPlace(VM, { pointId: rev(1) });
    expect(session.basePointId).toBeNull();
    await expect(a.c.startVm(VM)).rejects.toMatchObject({ code: 'CONFLICT' });
    await a.c.abortInPlace(VM, rev(1));
    await expect(a.c.startVm(VM)).rejects.toMatchObject({ code: 'CONFLICT' }); // aborted: a mix

    const { sent, state } = await reverseRun(rev(1), pid(2));
    expect(sent).toMatchObject({ kind: 'incremental', vmWasRunning: true });
    expect(sent.bytesSent).toBeGreaterThan(0);
    expect(sent.bytesSent).toBeLessThan(DISK / 16);
    expect(state).toEqual({ basePointId: rev(1), forwardBasePointId: null, startBlocked: false });
    expect(diskRecords(vDisk)).toEqual(upTo(127));
    notes.pull = { bytesPulled: pulled.bytesPulled, ms: pulled.durationMs };
    notes.reverse1 = { bytesSent: sent.bytesSent, ms: sent.durationMs };
  });

  it('a second reverse run after more writes is incremental from the first', async () => {
    expect(await write(b.c, R, 3)).toBe(130);
    const { session, sent } = await reverseRun(rev(2), rev(1));
    expect(session.basePointId).toBe(rev(1));
    expect(sent.kind).toBe('incremental');
    expect(sent.bytesSent).toBeLessThan(DISK / 16);
    expect(diskRecords((await a.c.getVm(VM)).diskPath)).toEqual(upTo(130));
    notes.reverse2 = { bytesSent: sent.bytesSent, ms: sent.durationMs };
  });

  it('switch back: R stopped, final run, demote, V started with exactly R records; forward is incremental', async () => {
    expect(await write(b.c, R, 1)).toBe(131);
    await b.c.stopVm(R, { force: false, timeoutSec: 60 });
    // A stopped replica is exported through a storage daemon: R's content; R does not start meanwhile.
    const exp = await b.c.exportReplication(R);
    const url = `nbd://${exp.target.host}:${exp.target.port}/${exp.target.export}`;
    const rDisk = (await b.c.getVm(R)).diskPath;
    const compare = spawnSync('qemu-img', ['compare', '-U', '-f', 'raw', '-F', 'qcow2', url, rDisk], {
      encoding: 'utf8',
    });
    expect(compare.status, compare.stdout + compare.stderr).toBe(0);
    await expect(b.c.startVm(R)).rejects.toMatchObject({ code: 'CONFLICT' });
    await b.c.endExport(R, exp.exportId); // the final run's daemon needs the image lock
    const { sent, state } = await reverseRun(rev(3), rev(2), FWD);
    expect(sent).toMatchObject({ kind: 'incremental', vmWasRunning: false });
    expect(state.forwardBasePointId).toBe(FWD);
    const replica = await b.c.demote(R, { pointId: FWD });
    expect(replica.promotedFrom).toBeNull();
    expect(replica.points.map((p) => p.id)).toEqual([pid(1), pid(2), FWD]);
    await expect(b.c.startVm(R)).rejects.toMatchObject({ code: 'CONFLICT' }); // a replica again
    await a.c.startVm(VM);
    await waitGuestReady(a.c, VM);
    expect(parseRecords(await records(a.c, VM))).toEqual(upTo(131));
    notes.reverse3 = { bytesSent: sent.bytesSent, ms: sent.durationMs };

    expect(await write(a.c, VM, 2)).toBe(133);
    const next = await forward(pid(3));
    expect(next).toMatchObject({ kind: 'incremental', fullReason: null });
    expect(next.bytesSent).toBeLessThan(DISK / 16);
    const layer = path.join(tmp.path, 'fb', 'data', 'pool', 'vms', R, `layer-${pid(3)}.qcow2`);
    expect(diskRecords(layer)).toEqual(upTo(133));
    notes.forwardAfter = { bytesSent: next.bytesSent, ms: next.durationMs };
  });
});
