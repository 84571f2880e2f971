import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { failback } from '@/lib/domain/dr/failback';
import { failover, testFailover } from '@/lib/domain/dr/failover';
import { createJob, runNow } from '@/lib/domain/dr/service';
import { conflict } from '@/lib/errors';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { admin, operator } from '@/lib/testing/fixtures';
import { runHandler } from '@/lib/testing/snapshot-agent';
import { makeContext } from '../context';
import { awaitReplicationRuns } from '../dr-run-wait';

const h = useDrAgents();
const run = (jobId: string) => runHandler('replication.run', { jobId, trigger: 'schedule' });

async function protectedWithPoint() {
  const job = await createJob(operator, { vmId: 'vm-a', targetHostId: h.hosts.dr1.id, intervalSec: 30, keepPoints: 4 });
  await run(job.id);
  return job;
}

const taskState = async (id: string) => (await db().task.findUniqueOrThrow({ where: { id } })).state;
const ctxFor = async () => {
  const t = await db().task.create({ data: { kind: 'dr.failover', title: 'failover', state: 'running' } });
  return makeContext(t.id, { id: null, name: 'olga' }, false);
};

describe('failover while a replication run is in flight', () => {
  it('the service accepts failover and test failover while only a run is queued; other DR tasks still refuse', async () => {
    const job = await protectedWithPoint();
    const queued = await runNow(operator, job.id);
    const test = await testFailover(operator, job.id, {});
    expect(test.taskId).toBeTruthy();
    // The test failover is a DR task of its own: a failover now is refused, naming it.
    const refused = await failover(admin, job.id, { planned: false }).catch((e: unknown) => e);
    expect(conflict.is(refused)).toBe(true);
    expect((refused as Error).message).toContain('Test failover of VM');
    expect(await taskState(queued.taskId)).toBe('queued');
  });

  it('the handler cancels a queued run, then fails over', async () => {
    const job = await protectedWithPoint();
    const queued = await runNow(operator, job.id);
    const accepted = await failover(admin, job.id, { planned: false });
    expect(accepted.taskId).toBeTruthy();
    const r = await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: false });
    expect(r.result).toMatchObject({ replicaVmId: job.replica.id });
    expect(await db().task.findUniqueOrThrow({ where: { id: queued.taskId } })).toMatchObject({
      state: 'cancelled',
      errorCode: 'CANCELLED',
    });
    expect(r.steps).toContain(`info: Cancelled the queued replication run (task ${queued.taskId})`);
    expect(h.target.callsTo('POST /v1/replicas/:id/failover')).toHaveLength(1);
  });

  it('the switch back of a failback is accepted while a reverse run is queued, and cancels it', async () => {
    const job = await protectedWithPoint();
    await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: false });
    const started = await failback(admin, job.id, { action: 'start' }); // the first reverse run, queued
    await run(job.id);
    await db().task.update({ where: { id: started.taskId }, data: { state: 'succeeded' } }); // the worker's part
    const queued = await runNow(admin, job.id);
    const done = await failback(admin, job.id, { action: 'complete' });
    expect(done.taskId).toBeTruthy();
    const sw = await runHandler('dr.failback', { jobId: job.id });
    expect(sw.result).toMatchObject({ vmId: 'vm-a', state: 'running' });
    expect(await taskState(queued.taskId)).toBe('cancelled');
  });

  it('waits for a running run to finish, bounded', async () => {
    const job = await protectedWithPoint();
    const { taskId } = await runNow(operator, job.id);
    await db().task.update({ where: { id: taskId }, data: { state: 'running' } });
    const ctx = await ctxFor();
    let waited = false;
    const wait = awaitReplicationRuns(ctx, job.id, { timeoutMs: 5_000, pollMs: 20 }).then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(waited).toBe(false);
    await db().task.update({ where: { id: taskId }, data: { state: 'succeeded', finishedAt: new Date() } });
    await wait;
    expect(await taskState(taskId)).toBe('succeeded'); // waited for, never cancelled

    const again = await runNow(operator, job.id);
    await db().task.update({ where: { id: again.taskId }, data: { state: 'running' } });
    const late = await awaitReplicationRuns(ctx, job.id, { timeoutMs: 100, pollMs: 20 }).catch((e: unknown) => e);
    expect(conflict.is(late)).toBe(true);
    expect((late as Error).message).toContain(`task ${again.taskId}`);
  });
});
