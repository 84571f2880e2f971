import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createJob } from '@/lib/domain/dr/service';
import { conflict } from '@/lib/errors';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { operator } from '@/lib/testing/fixtures';
import { runHandler } from '@/lib/testing/snapshot-agent';

const h = useDrAgents();
const protect = (keepPoints = 2) =>
  createJob(operator, { vmId: 'vm-a', targetHostId: h.hosts.dr1.id, intervalSec: 30, keepPoints });
const run = (jobId: string, recovered = false) =>
  runHandler('replication.run', { jobId, trigger: 'manual' }, recovered);

describe('replication.run', () => {
  it('defines the replica, receives, sends, commits; registers point and run only after the commit', async () => {
    const job = await protect();
    const first = await run(job.id);
    expect(first.result).toMatchObject({ kind: 'full', bytesSent: 4096 });
    const define = h.target.callsTo('PUT /v1/replicas/:id')[0];
    expect(define.body).toMatchObject({
      sourceVmId: 'vm-a',
      jobId: job.id,
      spec: { id: job.replica.id, pool: 'local' },
    });
    expect(h.target.callsTo('POST /v1/replicas/:id/receive')[0].body).toMatchObject({ full: true });
    // The first run relays the boot files from the source to the replica.
    expect(h.target.callsTo('PUT /v1/replicas/:id/boot/:file').map((c) => [c.params, c.body])).toEqual([
      [{ id: job.replica.id, file: 'kernel' }, 'kernel of vm-a'],
      [{ id: job.replica.id, file: 'initrd' }, 'initrd of vm-a'],
    ]);
    const second = await run(job.id);
    expect(second.result).toMatchObject({ kind: 'incremental' });
    const send = h.source.callsTo('POST /v1/vms/:id/replication/send')[1].body as Record<string, unknown>;
    expect(send.basePointId).toBe((first.result as { pointId: string }).pointId);
    const runs = await db().replicationRun.findMany({ orderBy: { startedAt: 'asc' } });
    expect(runs.map((r) => [r.status, r.kind, Number(r.bytesSent)])).toEqual([
      ['succeeded', 'full', 4096],
      ['succeeded', 'incremental', 4096],
    ]);
    expect((await db().replicaPoint.findMany()).map((p) => p.id).sort()).toEqual(runs.map((r) => r.pointId).sort());
    const j = await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(j.lastSuccessAt).not.toBeNull();
    expect(j.lastError).toBeNull();
    expect(j.nextRunAt!.getTime()).toBeGreaterThan(Date.now() + 25_000); // Run now moved the schedule on
    expect(h.target.callsTo('DELETE /v1/replicas/:id/receive/:pointId')).toHaveLength(0);
    expect(h.target.callsTo('PUT /v1/replicas/:id/boot/:file')).toHaveLength(2); // not again
  });

  it("mirrors the target's keep-N merge: rows of merged points go in the same transaction", async () => {
    const job = await protect(2);
    for (let i = 0; i < 3; i++) await run(job.id);
    const points = await db().replicaPoint.findMany({ orderBy: { takenAt: 'asc' } });
    expect(points.map((p) => p.id)).toEqual(h.replica.points.map((p) => p.id));
    expect(points).toHaveLength(2);
  });

  it('a failed send aborts the session, fails the run with the error and registers nothing', async () => {
    const job = await protect();
    h.fail.set('POST /v1/vms/:id/replication/send', conflict('the disk moved'));
    const r = await run(job.id);
    expect((r.result as Error).message).toBe('the disk moved');
    const [row] = await db().replicationRun.findMany();
    expect(row).toMatchObject({ status: 'failed', error: 'the disk moved' });
    expect(h.target.callsTo('DELETE /v1/replicas/:id/receive/:pointId')).toEqual([
      expect.objectContaining({ params: { id: job.replica.id, pointId: row.pointId } }),
    ]);
    expect(await db().replicaPoint.count()).toBe(0);
    expect((await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).lastError).toBe('the disk moved');
    expect(r.steps.at(-1)).toBe('error: Replication failed: the disk moved');
  });

  it('a failed commit aborts too; a recovered task aborts its open session and fails the run INTERRUPTED', async () => {
    const job = await protect();
    h.fail.set('POST /v1/replicas/:id/receive/:pointId/commit', conflict('qemu-img check failed'));
    await run(job.id);
    expect(h.target.callsTo('DELETE /v1/replicas/:id/receive/:pointId')).toHaveLength(1);
    expect(await db().replicaPoint.count()).toBe(0);
    // A worker died mid-run: the row it left says which session to abort.
    const task = await db().task.create({ data: { kind: 'replication.run', title: 't', state: 'running' } });
    await db().replicationRun.create({
      data: { jobId: job.id, taskId: task.id, status: 'running', pointId: 'rpl-0000000000aa' },
    });
    const { makeContext } = await import('../context');
    const { replicationRunHandler } = await import('./replication-run');
    const err = await replicationRunHandler(makeContext(task.id, { id: null, name: 'system' }, true), {
      jobId: job.id,
      trigger: 'schedule',
    }).catch((e: Error) => e);
    expect((err as Error).message).toContain('nothing registered');
    expect(h.target.callsTo('DELETE /v1/replicas/:id/receive/:pointId').at(-1)?.params.pointId).toBe(
      'rpl-0000000000aa',
    );
    const interrupted = await db().replicationRun.findFirstOrThrow({ where: { pointId: 'rpl-0000000000aa' } });
    expect(interrupted.status).toBe('failed');
    expect(interrupted.error).toMatch(/^INTERRUPTED/);
  });
});

describe('dr.failover and dr.test-failover', () => {
  it('unplanned with the source site down: replica becomes the VM, source failed-over, job stopped', async () => {
    const job = await protect(4);
    await run(job.id);
    await run(job.id);
    const [older] = h.replica.points;
    await db().host.update({ where: { id: h.hosts.h1.id }, data: { lastHeartbeat: new Date(0) } });
    const r = await runHandler('dr.failover', { jobId: job.id, pointId: older.id, planned: false });
    expect(r.result).toMatchObject({ pointId: older.id, source: 'unreachable', state: 'running' });
    expect(r.steps.some((s) => s.startsWith('warn: The source host h1 (site main) cannot be reached'))).toBe(true);
    expect(await db().vm.findUniqueOrThrow({ where: { id: job.replica.id } })).toMatchObject({
      role: 'vm',
      state: 'running',
    });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({ drState: 'failed-over' });
    expect(await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: 'failed-over',
      enabled: false,
      nextRunAt: null,
    });
    // The point after the chosen one was dropped on the target: its row goes too.
    expect((await db().replicaPoint.findMany()).map((p) => p.id)).toEqual([older.id]);
    expect(h.source.callsTo('POST /v1/vms/:id/stop')).toHaveLength(0);
  });

  it('unplanned with the source reachable and running: stops it (forced) before starting the replica', async () => {
    const job = await protect();
    await run(job.id);
    const r = await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: false });
    expect(r.result).toMatchObject({ source: 'stopped' });
    expect(h.source.callsTo('POST /v1/vms/:id/stop')[0].body).toEqual({ force: true });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      state: 'stopped',
      drState: 'failed-over',
    });
  });

  it('planned: graceful stop, a final run, failover to that new point', async () => {
    const job = await protect();
    await run(job.id);
    const r = await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: true });
    const newest = h.replica.points.at(-1)!;
    expect(r.result).toMatchObject({ pointId: newest.id, source: 'stopped' });
    expect(h.source.callsTo('POST /v1/vms/:id/stop')[0].body).toMatchObject({ timeoutSec: expect.any(Number) });
    expect(h.target.callsTo('POST /v1/replicas/:id/failover')[0].body).toEqual({ pointId: newest.id, start: true });
    expect(await db().replicationRun.count({ where: { status: 'succeeded' } })).toBe(2);
  });

  it('recovered after the target promoted the replica: writes the records without a second failover', async () => {
    const job = await protect();
    await run(job.id);
    h.replica.promotedFrom = h.replica.points[0].id;
    const r = await runHandler('dr.failover', { jobId: job.id, pointId: null, planned: false }, true);
    expect(r.result).toMatchObject({ pointId: h.replica.promotedFrom, state: 'running' });
    expect(h.target.callsTo('POST /v1/replicas/:id/failover')).toHaveLength(0);
    expect(await db().vm.findUniqueOrThrow({ where: { id: job.replica.id } })).toMatchObject({ role: 'vm' });
    expect(await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: 'failed-over',
    });
  });

  it('test failover updates the dr-test row; a failure removes it', async () => {
    const job = await protect();
    await run(job.id);
    const pointId = h.replica.points[0].id;
    const mk = (id: string) =>
      db().vm.create({
        data: {
          id,
          name: id,
          hostId: h.hosts.dr1.id,
          role: 'dr-test',
          replicaOfId: job.replica.id,
          state: 'provisioning',
          vcpus: 1,
          memoryMiB: 128,
          diskSizeBytes: 1n,
        },
      });
    await mk('t-000000000001');
    const ok = await runHandler('dr.test-failover', { jobId: job.id, vmId: 't-000000000001', pointId });
    expect(ok.result).toEqual({ vmId: 't-000000000001', state: 'running' });
    expect(h.target.callsTo('POST /v1/replicas/:id/tests')[0].body).toEqual({
      pointId,
      spec: { id: 't-000000000001', name: 't-000000000001' },
    });
    await mk('t-000000000002');
    h.fail.set('POST /v1/replicas/:id/tests', conflict('no room'));
    const bad = await runHandler('dr.test-failover', { jobId: job.id, vmId: 't-000000000002', pointId });
    expect((bad.result as Error).message).toBe('no room');
    expect(await db().vm.findUnique({ where: { id: 't-000000000002' } })).toBeNull();
  });
});
