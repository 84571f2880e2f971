// The control plane scaled out, on real QEMU: two worker processes and two dashboards (the second a
// process of its own, each host reporting to one of them) share one database; on PostgreSQL in the
// PostgreSQL pass of `npm test`. One worker is killed -9 mid-backup: the other takes the task over
// once its lease runs out and cleans up per the documented rules (nothing registered, the agent's
// files removed, the run failed as INTERRUPTED), and the next run is a full that succeeds.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireQemu } from '@/lib/agent/qemu/context';
import { db } from '@/lib/db/client';
import { createJob, runJobNow } from '@/lib/domain/backups/jobs';
import { createRepository } from '@/lib/domain/backups/repositories';
import { createJobSchema } from '@/lib/domain/backups/schemas';
import { parseInput } from '@/lib/http/validation';
import { useCluster } from '@/lib/testing/cluster';
import { type ControlProcess, startWorkerProcess } from '@/lib/testing/control-plane';
import { createGuestVm } from '@/lib/testing/dr-replication';
import { admin } from '@/lib/testing/fixtures';
import { ask, waitGuestReady } from '@/lib/testing/guest';
import { settled } from '@/lib/testing/tasks';
import { throttleBackups } from '@/lib/testing/throttle-backups';
import { waitFor } from '@/lib/wait-for';

const LEASE_MS = 4_000;
const ctx = useCluster(['so1', 'so2'], { cluster: { secondDashboard: true } });
const workers: ControlProcess[] = [];
let vmId: string;

beforeAll(async () => {
  vmId = await createGuestVm({ name: 'so-vm', imageId: ctx.imageId, hostId: ctx.host.so1.hostId });
  await waitGuestReady(ctx.host.so1.client, vmId);
  // Enough data that the backup's copy lasts while the test throttles it and kills its worker.
  await ask(ctx.host.so1.client, vmId, 'writemb 40', /^VMOPS-OK writemb=40$/, 300_000);
  await ctx.cluster.pauseWorker(); // from here on only the two worker processes run tasks
  workers.push(await startWorkerProcess('worker-a', LEASE_MS), await startWorkerProcess('worker-b', LEASE_MS));
}, 600_000);

afterAll(() => {
  for (const w of workers) w.kill();
  ctx.cluster.resumeWorker(); // the cluster's close stops it again
});

describe('two workers and two dashboards on one database', () => {
  it('hosts report through either dashboard', async () => {
    const second = ctx.cluster.secondDashboard!;
    expect(ctx.host.so2.dashboardUrl).toBe(second.url); // a process of its own
    expect(ctx.host.so1.dashboardUrl).toBe(ctx.cluster.dashboard.url);
    const hosts = await db().host.findMany({ where: { name: { in: ['so1', 'so2'] } } });
    expect(hosts.map((h) => h.status)).toEqual(['online', 'online']);
    const fresh = (h: { lastHeartbeat: Date | null }) => Date.now() - (h.lastHeartbeat?.getTime() ?? 0) < 5_000;
    expect(hosts.every(fresh)).toBe(true);
  });

  it('a worker killed -9 mid-backup: the other takes the task over and cleans up; the next run succeeds', async () => {
    const repo = await createRepository(admin, {
      name: 'so-repo',
      kind: 'shared',
      hostId: null,
      path: path.join(ctx.cluster.sharedDir, 'backups'),
      create: true,
    });
    const job = await createJob(
      admin,
      parseInput(createJobSchema, {
        name: 'so-job',
        repositoryId: repo.id,
        selector: { vmIds: [vmId], tags: [] },
        schedule: '0 3 * * *',
        retention: { keepLast: 5 },
      }),
    );
    // The backup starts throttled (a small test disk's copy could otherwise end before the kill).
    const session = await requireQemu(ctx.host.so1.agent.driver, 'test').vms.expectSession(vmId, ['running']);
    const unthrottle = throttleBackups(session, 256 * 1024);
    const { taskId } = await runJobNow(admin, job.id);
    type Job = { id: string; type: string; status: string };
    const backupJob = await waitFor(
      'the backup job on the VM',
      async () =>
        (await session.execute<Job[]>('query-jobs')).find((j) => j.type === 'backup' && j.status === 'running'),
      120_000,
      2,
    );
    unthrottle();
    const owner = (await db().task.findUniqueOrThrow({ where: { id: taskId } })).leaseOwner!;
    const killed = workers.find((w) => owner.endsWith(`:${w.child.pid}`))!;
    expect(killed, `task held by ${owner}`).toBeDefined();
    killed.kill();
    await session.execute('block-job-set-speed', { device: backupJob.id, speed: 0 }).catch(() => {});

    const t = await settled(taskId, 120_000);
    const row = await db().task.findUniqueOrThrow({ where: { id: taskId } });
    const survivor = workers.find((w) => w !== killed)!;
    expect(survivor.lines.join('\n')).toContain(`task ${taskId} backup.run (recovered from a dead worker): started`);
    expect(row.attempts).toBe(2);
    expect(t).toMatchObject({ state: 'failed', error: { code: 'INTERRUPTED' } });
    expect(t.steps!.map((s) => s.message)).toContain('Picked up by a new worker after the previous one stopped');
    expect(await db().restorePoint.count({ where: { vmId } })).toBe(0);
    const run = await db().backupRun.findFirstOrThrow({ where: { taskId } });
    expect(run).toMatchObject({ state: 'failed', failedCount: 1 });
    const vmDir = path.join(ctx.cluster.sharedDir, 'backups', vmId);
    const [result] = JSON.parse(run.results) as { pointId: string | null }[];
    expect(result.pointId).toBeNull();
    expect(existsSync(vmDir) ? readdirSync(vmDir) : []).toEqual([]);

    const next = await settled((await runJobNow(admin, job.id)).taskId, 300_000);
    expect(next.state, next.error?.message).toBe('succeeded');
    const points = await db().restorePoint.findMany({ where: { vmId } });
    expect(points.map((p) => p.kind)).toEqual(['full']);
  });
});
