import { afterEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { getPlan } from '@/lib/domain/dr/plan-queries';
import { createPlan, runPlan, updatePlan } from '@/lib/domain/dr/plans';
import { createJob, runNow } from '@/lib/domain/dr/service';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { admin, operator } from '@/lib/testing/fixtures';
import { runHandler } from '@/lib/testing/snapshot-agent';

const h = useDrAgents();
afterEach(() => {
  delete process.env.VMOPS_DR_PLAN_READY_SEC;
});

// Protected VMs web (vm-a), db, cache on h1, each with one replica point (rows only: the fake
// target keeps one replica; the plan reads the newest point from the rows).
async function protectAll(names: string[]) {
  const jobs: Record<string, { jobId: string; replicaId: string }> = {};
  for (const [i, name] of names.entries()) {
    const vmId = name === 'web' ? 'vm-a' : `vm-${name}`;
    if (name !== 'web')
      await db().vm.create({
        data: { id: vmId, name, hostId: h.hosts.h1.id, state: 'running', vcpus: 1, memoryMiB: 128, diskSizeBytes: 1n },
      });
    const job = await createJob(operator, { vmId, targetHostId: h.hosts.dr1.id, intervalSec: 30, keepPoints: 4 });
    await db().replicaPoint.create({
      data: { id: `rpl-00000000000${i + 1}`, jobId: job.id, takenAt: new Date(), kind: 'full' },
    });
    jobs[name] = { jobId: job.id, replicaId: job.replica.id };
  }
  return jobs;
}

describe('failover plans', () => {
  it('members must be protected VMs; names are unique; operators may run tests only', async () => {
    await protectAll(['web']);
    await db().vm.create({
      data: {
        id: 'vm-x',
        name: 'x',
        hostId: h.hosts.h1.id,
        state: 'running',
        vcpus: 1,
        memoryMiB: 128,
        diskSizeBytes: 1n,
      },
    });
    await expect(createPlan(operator, { name: 'p', members: [{ vmId: 'vm-x', order: 0 }] })).rejects.toMatchObject({
      status: 409,
      message: 'VM x is not protected: protect it (replication job) before adding it to a plan',
    });
    await expect(createPlan(operator, { name: 'p', members: [{ vmId: 'nope', order: 0 }] })).rejects.toMatchObject({
      status: 404,
    });
    const plan = await createPlan(operator, { name: 'p', members: [{ vmId: 'vm-a', order: 0 }] });
    expect(plan).toMatchObject({ name: 'p', runnable: true, members: [{ vmId: 'vm-a', vmName: 'web', order: 0 }] });
    await expect(createPlan(operator, { name: 'p', members: [{ vmId: 'vm-a', order: 0 }] })).rejects.toMatchObject({
      status: 409,
      code: 'ALREADY_EXISTS',
    });
    await expect(updatePlan(operator, plan.id, { members: [{ vmId: 'vm-x', order: 1 }] })).rejects.toMatchObject({
      status: 409,
    });
    await expect(runPlan(operator, plan.id, { kind: 'planned' })).rejects.toMatchObject({ status: 403 });
    const { taskId } = await runPlan(operator, plan.id, { kind: 'test' });
    expect(await db().task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      kind: 'dr.plan-run',
      targetType: 'dr-plan',
      title: 'Test failover of plan p (1 VM(s) in 1 group(s))',
    });
    expect((await getPlan(plan.id)).activeTaskId).toBe(taskId);
    // The members' jobs are busy while the plan runs: no Run now, no other failover of them.
    await expect(runNow(operator, (await getPlan(plan.id)).members[0].jobId!)).rejects.toMatchObject({
      status: 409,
      data: { taskId },
    });
    await expect(runPlan(admin, plan.id, { kind: 'unplanned' })).rejects.toMatchObject({
      status: 409,
      message: 'Failover plan p is already running',
    });
  });

  it("a member's replication run in flight does not refuse the plan; its own failover does", async () => {
    const jobs = await protectAll(['web']);
    const plan = await createPlan(operator, { name: 'p', members: [{ vmId: 'vm-a', order: 0 }] });
    const run = await runNow(operator, jobs.web.jobId);
    const { taskId } = await runPlan(admin, plan.id, { kind: 'planned' });
    expect((await getPlan(plan.id)).activeTaskId).toBe(taskId);
    await db().task.update({ where: { id: run.taskId }, data: { state: 'cancelled' } });
    await db().task.update({ where: { id: taskId }, data: { state: 'cancelled' } });
    await db().task.create({
      data: { kind: 'dr.failover', title: 'Failover of web', targetType: 'dr-job', targetId: jobs.web.jobId },
    });
    await expect(runPlan(admin, plan.id, { kind: 'planned' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('Plan p (VM web): the job is busy with "Failover of web"'),
    });
  });

  it('runs the groups in boot order, each after the previous group reported its guests ready', async () => {
    const jobs = await protectAll(['web', 'db', 'cache']);
    const plan = await createPlan(operator, {
      name: 'site-a',
      members: [
        { vmId: 'vm-a', order: 2 },
        { vmId: 'vm-db', order: 1 },
        { vmId: 'vm-cache', order: 1 },
      ],
    });
    const r = await runHandler('dr.plan-run', { planId: plan.id, kind: 'unplanned' });
    expect(r.result).toMatchObject({ kind: 'unplanned' });
    const order = h.target.callsTo('POST /v1/replicas/:id/failover').map((c) => c.params.id);
    expect(order.slice(0, 2).sort()).toEqual([jobs.db.replicaId, jobs.cache.replicaId].sort());
    expect(order[2]).toBe(jobs.web.replicaId);
    // The gate polled the group's replicas before the next group's failover was asked for.
    const calls = h.target.calls.map((c) => `${c.route} ${c.params.id ?? ''}`);
    const lastGate = Math.max(...[jobs.db, jobs.cache].map((j) => calls.lastIndexOf(`GET /v1/vms/:id ${j.replicaId}`)));
    expect(lastGate).toBeLessThan(calls.indexOf(`POST /v1/replicas/:id/failover ${jobs.web.replicaId}`));
    expect(r.steps).toContain('info: Boot group 2 of 2 (order 2): 1 VM(s)');
    expect(r.steps).toContain('info: db-replica: guest ready');
    for (const j of Object.values(jobs))
      expect(await db().replicationJob.findUniqueOrThrow({ where: { id: j.jobId } })).toMatchObject({
        state: 'failed-over',
      });
    expect(await db().auditEvent.count({ where: { action: 'dr.plan.run', result: 'succeeded' } })).toBe(1);
    expect(await db().auditEvent.count({ where: { action: 'dr.failover', result: 'succeeded' } })).toBe(3);
  });

  it('a guest not ready in time fails the plan naming it; the next group never starts', async () => {
    process.env.VMOPS_DR_PLAN_READY_SEC = '1';
    const jobs = await protectAll(['web', 'db']);
    h.notReady.add(jobs.db.replicaId);
    const plan = await createPlan(operator, {
      name: 'p',
      members: [
        { vmId: 'vm-db', order: 0 },
        { vmId: 'vm-a', order: 1 },
      ],
    });
    const r = await runHandler('dr.plan-run', { planId: plan.id, kind: 'planned' });
    expect((r.result as Error).message).toBe(
      'Guest not ready within 1 s: db-replica; the next boot group was not started',
    );
    expect(h.target.callsTo('POST /v1/replicas/:id/failover').map((c) => c.params.id)).toEqual([jobs.db.replicaId]);
    expect(await db().auditEvent.count({ where: { action: 'dr.plan.run', result: 'failed' } })).toBe(1);
  });

  it('a failed member fails the plan, naming the members already failed over', async () => {
    const jobs = await protectAll(['web', 'db']);
    await db().replicaPoint.deleteMany({ where: { jobId: jobs.web.jobId } }); // web has no point to fail over to
    const plan = await createPlan(operator, {
      name: 'p',
      members: [
        { vmId: 'vm-db', order: 0 },
        { vmId: 'vm-a', order: 5 },
      ],
    });
    const r = await runHandler('dr.plan-run', { planId: plan.id, kind: 'unplanned' });
    expect((r.result as Error).message).toBe(
      'VM web failed: VM web has no replica point to fail over to; already failed over: db-replica',
    );
    expect(await db().replicationJob.findUniqueOrThrow({ where: { id: jobs.db.jobId } })).toMatchObject({
      state: 'failed-over',
    });
  });

  it('a test run starts isolated copies (dr-test rows) and leaves the jobs replicating', async () => {
    const jobs = await protectAll(['web', 'db']);
    const plan = await createPlan(operator, {
      name: 'p',
      members: [
        { vmId: 'vm-db', order: 0 },
        { vmId: 'vm-a', order: 1 },
      ],
    });
    const r = await runHandler('dr.plan-run', { planId: plan.id, kind: 'test' });
    const tests = await db().vm.findMany({ where: { role: 'dr-test' }, orderBy: { createdAt: 'asc' } });
    expect(tests.map((t) => [t.name.replace(/-[0-9a-f]{4}$/, ''), t.state])).toEqual([
      ['db-drtest', 'running'],
      ['web-drtest', 'running'],
    ]);
    expect((r.result as { vms: unknown[] }).vms).toHaveLength(2);
    for (const j of Object.values(jobs))
      expect((await db().replicationJob.findUniqueOrThrow({ where: { id: j.jobId } })).state).toBe('active');
  });
});
