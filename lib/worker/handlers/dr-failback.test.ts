import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { failback } from '@/lib/domain/dr/failback';
import { failover, testFailover } from '@/lib/domain/dr/failover';
import { getJob } from '@/lib/domain/dr/queries';
import { createJob, removeJob, runNow } from '@/lib/domain/dr/service';
import { conflict } from '@/lib/errors';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { admin, operator } from '@/lib/testing/fixtures';
import { runHandler } from '@/lib/testing/snapshot-agent';

const h = useDrAgents();
type Body = Record<string, unknown>;
const body = (c: { body: unknown }) => c.body as Body;
const run = (jobId: string) => runHandler('replication.run', { jobId, trigger: 'schedule' });

// Protected, two forward points, then an unplanned failover to the newest (the source still ran:
// it is force-stopped, so the original disk is off and intact on site A).
async function failedOver() {
  const job = await createJob(operator, { vmId: 'vm-a', targetHostId: h.hosts.dr1.id, intervalSec: 30, keepPoints: 4 });
  await run(job.id);
  await run(job.id);
  const newest = h.replica.points.at(-1)!.id;
  const r = await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: false });
  expect(r.result).toMatchObject({ pointId: newest, source: 'stopped' });
  return { job, failoverPointId: newest };
}

describe('failback', () => {
  it('the whole cycle: start, a pulling then an incremental reverse run, switch back, forward incremental again', async () => {
    const { job, failoverPointId } = await failedOver();
    const stored = await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(stored).toMatchObject({ failoverPointId, reverseBaseId: null });
    expect(stored.failedOverAt).not.toBeNull();

    const started = await failback(admin, job.id, { action: 'start' });
    expect(await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: 'failing-back',
      enabled: true,
    });
    const task = await db().task.findUniqueOrThrow({ where: { id: started.taskId } });
    expect(task).toMatchObject({ kind: 'replication.run', title: 'Fail back VM web (reverse run)' });

    // First reverse run: pull A's own writes from B's read-only export, then push B's since P.
    const first = await run(job.id);
    expect(first.result).toMatchObject({ direction: 'reverse', bytesPulled: 65_536, bytesSent: 4096 });
    expect(h.target.callsTo('POST /v1/vms/:id/replication/export')[0].params.id).toBe(job.replica.id);
    expect(body(h.source.callsTo('POST /v1/vms/:id/replication/pull')[0])).toEqual({
      basePointId: failoverPointId,
      source: { host: '127.0.0.1', port: 10811, export: 'export-ro-012345' },
    });
    expect(h.target.callsTo('DELETE /v1/vms/:id/replication/export/:exportId')).toHaveLength(1);
    const firstPointId = (first.result as { pointId: string }).pointId;
    expect(body(h.target.callsTo('POST /v1/vms/:id/replication/send')[0])).toMatchObject({
      pointId: firstPointId,
      basePointId: failoverPointId,
      full: false,
      target: { export: 'inplace-0123456789' },
    });
    expect(body(h.source.callsTo('POST /v1/vms/:id/replication/receive-in-place/:pointId/commit')[0])).toEqual({
      forwardBasePointId: null,
    });
    // Pull before push: the order of the calls on site A.
    const aCalls = h.source.calls.map((c) => c.route);
    expect(aCalls.indexOf('POST /v1/vms/:id/replication/pull')).toBeLessThan(
      aCalls.indexOf('POST /v1/vms/:id/replication/receive-in-place'),
    );

    // Second reverse run: no pull, incremental from the first reverse point.
    const second = await run(job.id);
    expect(second.result).toMatchObject({ direction: 'reverse', bytesPulled: 0, kind: 'incremental' });
    expect(h.source.callsTo('POST /v1/vms/:id/replication/pull')).toHaveLength(1);
    expect(body(h.target.callsTo('POST /v1/vms/:id/replication/send')[1]).basePointId).toBe(firstPointId);
    const dto = await getJob(job.id);
    expect(dto.status).toBe('failing-back');
    expect(dto.failback).toMatchObject({
      failoverPointId,
      reverseRuns: 2,
      bytesSent: 8192,
      bytesPulled: 65_536,
      fullCopyBytes: 1 << 20,
      canComplete: true,
    });
    expect(dto.runs.slice(0, 2).map((r) => [r.direction, r.status])).toEqual([
      ['reverse', 'succeeded'],
      ['reverse', 'succeeded'],
    ]);

    await db().task.updateMany({ where: { state: 'queued' }, data: { state: 'succeeded' } }); // the worker's part
    // The switch back: R stopped gracefully, the final run's point is the demoted point and V's new bitmap.
    const done = await failback(admin, job.id, { action: 'complete' });
    expect((await db().task.findUniqueOrThrow({ where: { id: done.taskId } })).kind).toBe('dr.failback');
    const sw = await runHandler('dr.failback', { jobId: job.id });
    const pf = (sw.result as { pointId: string }).pointId;
    expect(sw.result).toMatchObject({ vmId: 'vm-a', state: 'running' });
    expect(body(h.target.callsTo('POST /v1/vms/:id/stop')[0])).toMatchObject({ timeoutSec: expect.any(Number) });
    expect(body(h.source.callsTo('POST /v1/vms/:id/replication/receive-in-place/:pointId/commit')[2])).toEqual({
      forwardBasePointId: pf,
    });
    expect(body(h.target.callsTo('POST /v1/replicas/:id/demote')[0])).toEqual({ pointId: pf });
    expect(h.source.callsTo('POST /v1/vms/:id/start')).toHaveLength(1);
    expect(await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: 'active',
      enabled: true,
      failoverPointId: null,
      failedOverAt: null,
      reverseBaseId: null,
    });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      drState: null,
      state: 'running',
    });
    expect(await db().vm.findUniqueOrThrow({ where: { id: job.replica.id } })).toMatchObject({
      role: 'replica',
      state: 'stopped',
    });
    expect(await db().replicaPoint.findUnique({ where: { id: pf } })).not.toBeNull();
    expect((await getJob(job.id)).failback).toBeNull();

    // The next forward run is incremental from the demoted point.
    const forward = await run(job.id);
    expect(forward.result).toMatchObject({ direction: 'forward', kind: 'incremental' });
    expect(body(h.source.callsTo('POST /v1/vms/:id/replication/send').at(-1)!).basePointId).toBe(pf);
    const audits = await db().auditEvent.findMany({ where: { action: { startsWith: 'dr.failback' } } });
    expect(audits.map((a) => `${a.action}:${a.result}`).sort()).toEqual([
      'dr.failback.start:accepted',
      'dr.failback:accepted',
      'dr.failback:succeeded',
    ]);
  });

  it('a failed push aborts the in-place session and registers nothing; the next run pulls and pushes again', async () => {
    const { job, failoverPointId } = await failedOver();
    await failback(admin, job.id, { action: 'start' });
    h.fail.set('B POST /v1/vms/:id/replication/send', conflict('the link dropped'));
    const bad = await run(job.id);
    expect((bad.result as Error).message).toBe('the link dropped');
    const row = await db().replicationRun.findFirstOrThrow({ where: { direction: 'reverse' } });
    expect(row).toMatchObject({ status: 'failed', error: 'the link dropped' });
    expect(h.source.callsTo('DELETE /v1/vms/:id/replication/receive-in-place/:pointId')[0].params.pointId).toBe(
      row.pointId,
    );
    expect(h.target.callsTo('DELETE /v1/vms/:id/replication/export/:exportId')).toHaveLength(1);
    expect((await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).reverseBaseId).toBeNull();
    await expect(failback(admin, job.id, { action: 'complete' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('wait until one reverse run succeeded'),
    });
    h.fail.clear();
    await run(job.id);
    expect(h.source.callsTo('POST /v1/vms/:id/replication/pull')).toHaveLength(2);
    expect(body(h.target.callsTo('POST /v1/vms/:id/replication/send').at(-1)!).basePointId).toBe(failoverPointId);
  });

  it('while failing back: no failover or test failover; Run now is a reverse run; removing the job keeps the VM', async () => {
    const { job } = await failedOver();
    await failback(admin, job.id, { action: 'start' });
    await db().task.updateMany({ where: { state: 'queued' }, data: { state: 'succeeded' } });
    await expect(failover(admin, job.id, { planned: false })).rejects.toMatchObject({
      status: 409,
      message: 'Failover: VM web is failing back from web-replica; complete the failback first',
    });
    await expect(testFailover(admin, job.id, {})).rejects.toMatchObject({ status: 409 });
    const { taskId } = await runNow(admin, job.id);
    expect((await db().task.findUniqueOrThrow({ where: { id: taskId } })).title).toBe('Fail back VM web (reverse run)');
    await db().task.updateMany({ where: { state: 'queued' }, data: { state: 'succeeded' } });
    await removeJob(operator, job.id);
    expect(h.target.callsTo('DELETE /v1/replicas/:id')).toHaveLength(0);
    expect(await db().vm.findUnique({ where: { id: job.replica.id } })).not.toBeNull();
  });

  it('A without a bitmap for the failover point (failed over to an older point): the first push is full', async () => {
    const { job } = await failedOver();
    h.inPlace.bitmapFound = false;
    await failback(admin, job.id, { action: 'start' });
    const r = await run(job.id);
    expect(r.result).toMatchObject({ kind: 'full', bytesPulled: 0 });
    expect(body(h.target.callsTo('POST /v1/vms/:id/replication/send')[0])).toMatchObject({
      basePointId: null,
      full: true,
    });
    expect(r.steps.some((s) => s.startsWith('warn: VM web') && s.includes('the first push is a full copy'))).toBe(true);
  });

  it('start is refused unless failed over, with site A reachable, the original disk there and off; viewers never', async () => {
    const job = await createJob(operator, {
      vmId: 'vm-a',
      targetHostId: h.hosts.dr1.id,
      intervalSec: 30,
      keepPoints: 4,
    });
    await expect(failback(admin, job.id, { action: 'start' })).rejects.toMatchObject({
      status: 409,
      message: 'VM web has not failed over: nothing to fail back',
    });
    await expect(failback(operator, job.id, { action: 'start' })).rejects.toMatchObject({ status: 403 });
    await run(job.id);
    await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: false });
    h.off.delete('vm-a'); // it came back running (its host was cut off at the failover)
    await expect(failback(admin, job.id, { action: 'start' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('runs on h1'),
    });
    h.gone.add('vm-a');
    await expect(failback(admin, job.id, { action: 'start' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining("VM web's disk is gone from h1"),
    });
    await db().host.update({ where: { id: h.hosts.h1.id }, data: { lastHeartbeat: new Date(0) } });
    await expect(failback(admin, job.id, { action: 'start' })).rejects.toMatchObject({ status: 503 });
    const denied = await db().auditEvent.findMany({ where: { action: 'dr.failback.start', result: 'denied' } });
    expect(denied).toHaveLength(5);
  });
});
