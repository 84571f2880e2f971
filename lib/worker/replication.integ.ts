// Disaster recovery through the dashboard on real QEMU (TCG): three real agents, two in site main
// and one in site dr (its own shared dir), the services, the real worker runner and the
// replication scheduler's tick. The test guest writes numbered records to its disk; what a copy
// holds is read back from its own console: the scheduler replicates twice (a full, then an
// incremental with far fewer bytes), a test failover boots the newest point on site dr and is
// discarded, a planned failover stops the source, syncs once more and starts the replica with
// every record the guest wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { drOverview, listJobs } from '@/lib/domain/dr/queries';
import { failover, testFailover } from '@/lib/domain/dr/failover';
import { deleteVm, runVmAction } from '@/lib/domain/vms/service';
import { useCluster } from '@/lib/testing/cluster';
import { createGuestVm, protectVm, tickUntilRuns } from '@/lib/testing/dr-replication';
import { parseRecords } from '@/lib/testing/disk-records';
import { admin } from '@/lib/testing/fixtures';
import { ask, records, waitGuestReady } from '@/lib/testing/guest';
import { succeeded } from '@/lib/testing/tasks';

const numbers: Record<string, unknown> = {};
const env = useCluster(['m1', 'm2', 'dr1@dr'], { afterAll: () => console.log('dr numbers:', JSON.stringify(numbers)) });
const upTo = (n: number) => ({ first: 1, last: n, count: n, gaps: 0 });
const graceBefore = process.env.VMOPS_GRACEFUL_STOP_SEC;
beforeAll(() => {
  process.env.VMOPS_GRACEFUL_STOP_SEC = '20'; // a guest ignoring the power button is forced off sooner
});
afterAll(() => {
  if (graceBefore === undefined) delete process.env.VMOPS_GRACEFUL_STOP_SEC;
  else process.env.VMOPS_GRACEFUL_STOP_SEC = graceBefore;
});

describe('replication, test failover and planned failover through the dashboard (real QEMU)', () => {
  let vmId: string;
  let jobId: string;
  let written = 0;
  const write = async (n: number) => {
    const line = await ask(env.host.m1.client, vmId, `write ${n}`, /^VMOPS-OK seq=\d+$/);
    written = Number(line.split('=')[1]);
    return written;
  };

  it('the scheduler replicates the guest to site dr twice: a full, then an incremental', async () => {
    vmId = await createGuestVm({ name: 'dr-guest', imageId: env.imageId, hostId: env.host.m1.hostId });
    expect(await write(5)).toBe(5);
    const job = await protectVm(vmId, env.host.dr1.hostId);
    jobId = job.id;
    expect(job).toMatchObject({ status: 'never', vm: { site: 'main' }, replica: { site: 'dr', role: 'replica' } });
    const t0 = Date.now();
    await tickUntilRuns(jobId, 1);
    numbers.firstRunMs = Date.now() - t0;
    expect(await write(3)).toBe(8);
    await tickUntilRuns(jobId, 2);
    const [dto] = await listJobs({ vmId });
    expect(dto.status).toBe('ok');
    expect(dto.points.map((p) => p.kind)).toEqual(['incremental', 'full']); // newest first
    const [inc, full] = dto.points;
    numbers.fullBytes = full.bytesSent;
    numbers.incrementalBytes = inc.bytesSent;
    numbers.rpoSec = dto.rpoSec;
    expect(inc.bytesSent).toBeLessThan(full.bytesSent / 4);
    const replica = await env.host.dr1.client.getReplica(dto.replica.id);
    expect(replica.points.map((p) => p.id)).toEqual([full.id, inc.id]);
    const overview = await drOverview();
    expect(overview.sites.map((s) => [s.name, s.hosts.map((h) => h.name)])).toEqual([
      ['dr', ['dr1']],
      ['main', ['m1', 'm2']],
    ]);
    expect(overview.jobs[0].lag.length).toBeGreaterThanOrEqual(3); // the sawtooth: 2 runs + now
    // A replica starts only by failover.
    await expect(runVmAction(admin, dto.replica.id, 'start')).rejects.toMatchObject({ status: 409 });
  }, 900_000);

  it('a test failover boots the newest point on site dr (isolated), then is discarded', async () => {
    const { taskId, vmId: testId } = await testFailover(admin, jobId, {});
    await succeeded(taskId);
    const test = await db().vm.findUniqueOrThrow({ where: { id: testId! } });
    expect(test).toMatchObject({ role: 'dr-test', state: 'running', hostId: env.host.dr1.hostId });
    await waitGuestReady(env.host.dr1.client, testId!);
    // The copy has the records of the newest point (8); the source runs on untouched.
    expect(parseRecords(await records(env.host.dr1.client, testId!))).toEqual(upTo(8));
    expect(await write(2)).toBe(10);
    await succeeded((await deleteVm(admin, testId!)).taskId);
    expect(await db().vm.findUnique({ where: { id: testId! } })).toBeNull();
    const [dto] = await listJobs({ vmId });
    expect(dto.tests).toEqual([]);
    expect((await env.host.dr1.client.getReplica(dto.replica.id)).tests).toEqual([]);
  }, 600_000);

  it('a planned failover stops the source, syncs once more and starts the replica with every record', async () => {
    expect(await write(4)).toBe(14);
    const t0 = Date.now();
    const { taskId } = await failover(admin, jobId, { planned: true });
    await succeeded(taskId);
    numbers.plannedFailoverMs = Date.now() - t0;
    const job = await db().replicationJob.findUniqueOrThrow({ where: { id: jobId } });
    expect(job).toMatchObject({ state: 'failed-over', enabled: false });
    const replica = await db().vm.findUniqueOrThrow({ where: { id: job.replicaVmId } });
    expect(replica).toMatchObject({ role: 'vm', state: 'running', hostId: env.host.dr1.hostId });
    expect(await db().vm.findUniqueOrThrow({ where: { id: vmId } })).toMatchObject({
      state: 'stopped',
      drState: 'failed-over',
    });
    expect((await env.host.m1.client.getVm(vmId)).state).toBe('shutoff');
    await waitGuestReady(env.host.dr1.client, replica.id);
    // Zero loss: every record the guest wrote before the failover, and it goes on writing.
    expect(parseRecords(await records(env.host.dr1.client, replica.id))).toEqual(upTo(written));
    expect(await ask(env.host.dr1.client, replica.id, 'write 1', /^VMOPS-OK seq=\d+$/)).toBe(
      `VMOPS-OK seq=${written + 1}`,
    );
    await expect(runVmAction(admin, vmId, 'start')).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining(`failed over to ${replica.name} on site dr`),
    });
    const [dto] = await listJobs({ vmId });
    expect(dto.status).toBe('failed-over');
  }, 600_000);
});
