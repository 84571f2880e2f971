import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { deleteVm, runVmAction } from '@/lib/domain/vms/service';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { admin, operator, viewer } from '@/lib/testing/fixtures';
import { listJobs } from './queries';
import { failover, testFailover } from './failover';
import { createJob, removeJob, runNow, updateJob } from './service';

const h = useDrAgents();

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { status: number; code: string; message: string }) => ({ status: e.status, code: e.code, message: e.message }),
  );
const audits = async () =>
  (await db().auditEvent.findMany({ orderBy: { id: 'asc' } })).map((a) => ({ action: a.action, result: a.result }));
const protect = () =>
  createJob(operator, { vmId: 'vm-a', targetHostId: h.hosts.dr1.id, intervalSec: 30, keepPoints: 3 });
const addPoint = (jobId: string, id: string, ageSec: number) =>
  db().replicaPoint.create({ data: { id, jobId, takenAt: new Date(Date.now() - ageSec * 1000), kind: 'full' } });

describe('create a replication job', () => {
  it('makes the replica row (start-blocked, on the target) and the job due now in one go, audited', async () => {
    const job = await protect();
    expect(job).toMatchObject({
      vm: { id: 'vm-a', name: 'web', site: 'main', hostName: 'h1' },
      replica: { name: 'web-replica', role: 'replica', state: 'stopped', site: 'dr', hostName: 'dr1' },
      intervalSec: 30,
      keepPoints: 3,
      rpoTargetSec: 60, // twice the interval by default
      status: 'never',
      points: [],
    });
    const replica = await db().vm.findUniqueOrThrow({ where: { id: job.replica.id } });
    expect(replica).toMatchObject({
      role: 'replica',
      replicaOfId: 'vm-a',
      hostId: h.hosts.dr1.id,
      pool: 'local',
      vcpus: 1,
    });
    expect(replica.id).toMatch(/^r-[0-9a-f]{12}$/);
    expect(job.nextRunAt && Date.parse(job.nextRunAt)).toBeLessThanOrEqual(Date.now());
    expect(await audits()).toEqual([{ action: 'dr.job.create', result: 'succeeded' }]);
  });

  it('refuses a target in the same site, a second job, and a viewer; each refusal audited', async () => {
    const same = await refusal(
      createJob(operator, { vmId: 'vm-a', targetHostId: h.hosts.h2.id, intervalSec: 60, keepPoints: 8 }),
    );
    expect(same).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(same?.message).toContain('site main');
    await protect();
    expect(await refusal(protect())).toMatchObject({
      status: 409,
      message: expect.stringContaining('already protected'),
    });
    expect(
      await refusal(createJob(viewer, { vmId: 'vm-a', targetHostId: h.hosts.dr1.id, intervalSec: 60, keepPoints: 8 })),
    ).toMatchObject({
      status: 403,
    });
    expect(await db().replicationJob.count()).toBe(1);
    expect(await audits()).toEqual([
      { action: 'dr.job.create', result: 'denied' },
      { action: 'dr.job.create', result: 'succeeded' },
      { action: 'dr.job.create', result: 'denied' },
      { action: 'dr.job.create', result: 'denied' },
    ]);
  });

  it('refuses an offline target (503) and a replica as the VM to protect', async () => {
    await db().host.update({ where: { id: h.hosts.dr1.id }, data: { lastHeartbeat: new Date(0) } });
    expect(await refusal(protect())).toMatchObject({ status: 503, code: 'HOST_OFFLINE' });
    await db().host.update({ where: { id: h.hosts.dr1.id }, data: { lastHeartbeat: new Date() } });
    const job = await protect();
    const again = createJob(operator, {
      vmId: job.replica.id,
      targetHostId: h.hosts.h1.id,
      intervalSec: 60,
      keepPoints: 8,
    });
    expect(await refusal(again)).toMatchObject({ status: 409, message: expect.stringContaining('is a replica') });
  });
});

describe('job actions', () => {
  it('update moves the schedule and a default RPO target with the interval; run now queues a task', async () => {
    const job = await protect();
    const updated = await updateJob(operator, job.id, { intervalSec: 120, fullNext: true });
    expect(updated).toMatchObject({ intervalSec: 120, rpoTargetSec: 240, fullRequested: true });
    const { taskId } = await runNow(operator, job.id);
    const task = await db().task.findUniqueOrThrow({ where: { id: taskId } });
    expect(task).toMatchObject({ kind: 'replication.run', targetType: 'dr-job', targetId: job.id });
    expect(JSON.parse(task.payload)).toEqual({ jobId: job.id, trigger: 'manual' });
    expect(await refusal(runNow(operator, job.id))).toMatchObject({
      status: 409,
      message: expect.stringContaining('busy'),
    });
  });

  it('test failover needs a point, makes the dr-test row and names the newest point', async () => {
    const job = await protect();
    expect(await refusal(testFailover(operator, job.id, {}))).toMatchObject({ status: 409 });
    await addPoint(job.id, 'rpl-00000000000a', 60);
    await addPoint(job.id, 'rpl-00000000000b', 10);
    const { taskId, vmId } = await testFailover(operator, job.id, {});
    const test = await db().vm.findUniqueOrThrow({ where: { id: vmId! } });
    expect(test).toMatchObject({
      role: 'dr-test',
      replicaOfId: job.replica.id,
      hostId: h.hosts.dr1.id,
      tags: '["dr-test"]',
    });
    expect(test.name).toMatch(/^web-drtest-[0-9a-f]{4}$/);
    const task = await db().task.findUniqueOrThrow({ where: { id: taskId } });
    expect(JSON.parse(task.payload)).toEqual({ jobId: job.id, vmId, pointId: 'rpl-00000000000b' });
    const [dto] = await listJobs({ vmId });
    expect(dto.tests).toEqual([expect.objectContaining({ vmId, pointId: 'rpl-00000000000b' })]);
    expect(dto.points[0].testVmIds).toEqual([vmId]);
  });

  it('failover is for admins; planned takes no point; an unknown point is 404', async () => {
    const job = await protect();
    await addPoint(job.id, 'rpl-00000000000a', 60);
    expect(await refusal(failover(operator, job.id, { planned: false }))).toMatchObject({ status: 403 });
    expect(await refusal(failover(admin, job.id, { planned: false, pointId: 'rpl-0000000000ff' }))).toMatchObject({
      status: 404,
    });
    const { taskId } = await failover(admin, job.id, { planned: true });
    expect(JSON.parse((await db().task.findUniqueOrThrow({ where: { id: taskId } })).payload)).toEqual({
      jobId: job.id,
      pointId: null,
      planned: true,
    });
    expect((await audits()).slice(-3)).toEqual([
      { action: 'dr.failover', result: 'denied' },
      { action: 'dr.failover', result: 'denied' },
      { action: 'dr.failover.planned', result: 'accepted' },
    ]);
  });

  it('remove refuses while dr-tests exist, then removes the replica on the target and both rows', async () => {
    const job = await protect();
    await addPoint(job.id, 'rpl-00000000000a', 60);
    const { vmId } = await testFailover(operator, job.id, {});
    await db().task.deleteMany();
    expect(await refusal(removeJob(operator, job.id))).toMatchObject({
      status: 409,
      message: expect.stringContaining('Discard'),
    });
    await db().vm.delete({ where: { id: vmId! } });
    await removeJob(operator, job.id);
    expect(h.target.callsTo('DELETE /v1/replicas/:id')).toEqual([
      expect.objectContaining({ params: { id: job.replica.id } }),
    ]);
    expect(await db().replicationJob.count()).toBe(0);
    expect(await db().replicaPoint.count()).toBe(0);
    expect(await db().vm.findUnique({ where: { id: job.replica.id } })).toBeNull();
  });
});

describe('VM actions under DR', () => {
  it('refuses starting a replica and a failed-over VM, deleting a protected VM or its replica; allows deleting a dr-test', async () => {
    const job = await protect();
    expect(await refusal(runVmAction(operator, job.replica.id, 'start'))).toMatchObject({
      status: 409,
      message: expect.stringContaining('starts only by failover'),
    });
    expect(await refusal(deleteVm(admin, 'vm-a'))).toMatchObject({
      status: 409,
      message: expect.stringContaining(job.id),
    });
    expect(await refusal(deleteVm(admin, job.replica.id))).toMatchObject({ status: 409 });
    await db().vm.update({ where: { id: 'vm-a' }, data: { drState: 'failed-over', state: 'stopped' } });
    expect(await refusal(runVmAction(operator, 'vm-a', 'start'))).toMatchObject({
      status: 409,
      message: expect.stringContaining(`failed over to ${job.replica.name} on site dr`),
    });
    await addPoint(job.id, 'rpl-00000000000a', 60);
    await db().vm.update({ where: { id: 'vm-a' }, data: { drState: null } });
    const { vmId } = await testFailover(operator, job.id, {});
    await db().task.deleteMany();
    await db().vm.update({ where: { id: vmId! }, data: { state: 'running' } });
    expect((await deleteVm(operator, vmId!)).taskId).toBeTruthy();
  });
});
