// Failback through the dashboard on real QEMU (TCG): agents m1 (site main) and dr1 (site dr), the
// services, the real worker runner and the scheduler's tick (set-up as replication.integ.ts). The
// test guest writes numbered records: two runs replicate 8; the source writes 2 more that never
// travel and fails over UNPLANNED (force-stopped); the replica writes 1 record on site dr;
// failback start -> a reverse run (pull of A's 2 divergent records + push of B's writes) ->
// complete (switch back): the VM runs on site A with exactly the replica's 9 records (A's own 10th
// gone), and the next forward run is incremental.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { failback } from '@/lib/domain/dr/failback';
import { failover } from '@/lib/domain/dr/failover';
import { getJob, listJobs } from '@/lib/domain/dr/queries';
import { runVmAction } from '@/lib/domain/vms/service';
import { useCluster } from '@/lib/testing/cluster';
import { parseRecords } from '@/lib/testing/disk-records';
import { createGuestVm, protectVm, tickUntilRuns } from '@/lib/testing/dr-replication';
import { admin } from '@/lib/testing/fixtures';
import { ask, records, waitGuestReady } from '@/lib/testing/guest';
import { succeeded } from '@/lib/testing/tasks';

const numbers: Record<string, unknown> = {};
const env = useCluster(['m1', 'dr1@dr'], { afterAll: () => console.log('failback numbers:', JSON.stringify(numbers)) });
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const graceBefore = process.env.VMOPS_GRACEFUL_STOP_SEC;
beforeAll(() => {
  process.env.VMOPS_GRACEFUL_STOP_SEC = '10'; // the switch back's graceful stop of the replica, then forced
});
afterAll(() => {
  if (graceBefore === undefined) delete process.env.VMOPS_GRACEFUL_STOP_SEC;
  else process.env.VMOPS_GRACEFUL_STOP_SEC = graceBefore;
});

describe('failback through the dashboard (real QEMU)', () => {
  let vmId: string;
  let jobId: string;
  let replicaId: string;
  const write = async (client: typeof env.host.m1.client, id: string, n: number) =>
    Number((await ask(client, id, `write ${n}`, /^VMOPS-OK seq=\d+$/)).split('=')[1]);

  it('replicates, fails over unplanned with 2 records never replicated, the replica writes 1', async () => {
    vmId = await createGuestVm({ name: 'fb-guest', imageId: env.imageId, hostId: env.host.m1.hostId });
    expect(await write(env.host.m1.client, vmId, 5)).toBe(5);
    const job = await protectVm(vmId, env.host.dr1.hostId);
    jobId = job.id;
    replicaId = job.replica.id;
    await tickUntilRuns(jobId, 1);
    expect(await write(env.host.m1.client, vmId, 3)).toBe(8);
    await tickUntilRuns(jobId, 2);
    // Site A's own writes after the newest point: they never travel forward.
    expect(await write(env.host.m1.client, vmId, 2)).toBe(10);
    const { taskId } = await failover(admin, jobId, { planned: false });
    await succeeded(taskId);
    expect((await env.host.m1.client.getVm(vmId)).state).toBe('shutoff');
    await waitGuestReady(env.host.dr1.client, replicaId);
    expect(parseRecords(await records(env.host.dr1.client, replicaId))).toEqual(upTo(8));
    expect(await write(env.host.dr1.client, replicaId, 1)).toBe(9);
    const stored = await db().replicationJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(stored.failoverPointId).toBe((await listJobs({ vmId }))[0].newestPoint?.id);
  }, 900_000);

  it('failback: a reverse run pulls A’s divergent clusters and pushes B’s writes, far below the disk size', async () => {
    const t0 = Date.now();
    const { taskId } = await failback(admin, jobId, { action: 'start' });
    await succeeded(taskId);
    numbers.firstReverseRunMs = Date.now() - t0;
    const run = await db().replicationRun.findFirstOrThrow({ where: { jobId, direction: 'reverse' } });
    expect(run.status).toBe('succeeded');
    const dto = await getJob(jobId);
    expect(dto.status).toBe('failing-back');
    expect(dto.failback).toMatchObject({ reverseRuns: 1, canComplete: true });
    numbers.bytesPulled = dto.failback!.bytesPulled;
    numbers.bytesSent = dto.failback!.bytesSent;
    numbers.fullCopyBytes = dto.failback!.fullCopyBytes;
    expect(dto.failback!.bytesPulled).toBeGreaterThan(0);
    expect(dto.failback!.bytesSent).toBeGreaterThan(0);
    expect(dto.failback!.bytesSent + dto.failback!.bytesPulled).toBeLessThan(dto.failback!.fullCopyBytes / 4);
    // The original stays start-blocked until the switch back.
    await expect(runVmAction(admin, vmId, 'start')).rejects.toMatchObject({ status: 409 });
  }, 600_000);

  it('complete: the VM runs on site A with exactly the replica’s records; the next forward run is incremental', async () => {
    const t0 = Date.now();
    const { taskId } = await failback(admin, jobId, { action: 'complete' });
    await succeeded(taskId);
    numbers.switchBackMs = Date.now() - t0;
    expect(await db().vm.findUniqueOrThrow({ where: { id: vmId } })).toMatchObject({ drState: null, state: 'running' });
    expect(await db().vm.findUniqueOrThrow({ where: { id: replicaId } })).toMatchObject({
      role: 'replica',
      state: 'stopped',
    });
    expect((await env.host.dr1.client.getVm(replicaId)).state).toBe('shutoff');
    await waitGuestReady(env.host.m1.client, vmId);
    // B's 9 records; A's own 10th (written after the failover point) is gone.
    expect(parseRecords(await records(env.host.m1.client, vmId))).toEqual(upTo(9));
    const reverse = await db().replicationRun.findMany({ where: { jobId, direction: 'reverse' } });
    numbers.reverseRuns = reverse.map((r) => [Number(r.bytesPulled), Number(r.bytesSent)]);
    expect(await write(env.host.m1.client, vmId, 2)).toBe(11);
    const forwardBefore = await db().replicationRun.count({
      where: { jobId, direction: 'forward', status: 'succeeded' },
    });
    await tickUntilRuns(jobId, forwardBefore + 1);
    const [next] = await db().replicationRun.findMany({
      where: { jobId, direction: 'forward', status: 'succeeded' },
      orderBy: { startedAt: 'desc' },
      take: 1,
    });
    numbers.forwardAfterBytes = Number(next.bytesSent);
    expect(next.kind).toBe('incremental');
    expect(Number(next.bytesSent)).toBeLessThan(Number(reverse[0].bytesSent) * 8);
    const dto = await getJob(jobId);
    expect(dto).toMatchObject({ state: 'active', failback: null });
    expect(dto.status).toBe('ok');
  }, 900_000);
});
