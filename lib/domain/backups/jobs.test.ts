import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { parseInput } from '@/lib/http/validation';
import { admin, clearTables, operator, seedHost, seedUsers, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { scheduleBackups } from '@/lib/worker/backup-scheduler';
import { createJob, runJobNow, updateJob } from './jobs';
import { previewJob } from './preview';
import { listProtection } from './protection-status';
import { createJobSchema, previewSchema, type CreateJobInput } from './schemas';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let repositoryId: string;
let hostId: string;
const raw = (over: Partial<CreateJobInput> = {}): CreateJobInput => ({
  name: 'nightly',
  repositoryId,
  selector: { vmIds: [], tags: ['prod'] },
  schedule: '0 2 * * *',
  timezone: 'Europe/Paris',
  retention: { keepLast: 3, daily: 7 },
  concurrency: 2,
  ...over,
});
const input = (over: Partial<CreateJobInput> = {}) => parseInput(createJobSchema, raw(over));

beforeEach(async () => {
  await clearTables(
    'taskStep',
    'task',
    'restorePoint',
    'backupRun',
    'backupJob',
    'backupRepository',
    'vm',
    'auditEvent',
    'host',
    'user',
  );
  await seedUsers();
  hostId = (await seedHost('h1')).id;
  repositoryId = (
    await db().backupRepository.create({ data: { name: 'repo', kind: 'shared', path: '/srv/backups', status: 'ok' } })
  ).id;
});

describe('job input', () => {
  it('answers 422 with croner’s reason on schedule, and on timezone for an unknown zone', () => {
    expect(() => input({ schedule: '0 25 * * *' })).toThrow(
      expect.objectContaining({ status: 422, data: { fields: { schedule: [expect.stringMatching(/hour/)] } } }),
    );
    expect(() => input({ timezone: 'Europe/Atlantis' })).toThrow(
      expect.objectContaining({
        status: 422,
        data: { fields: { timezone: [expect.stringMatching(/Unknown IANA timezone/)] } },
      }),
    );
    expect(() => input({ verifySchedule: 'sometimes' })).toThrow(
      expect.objectContaining({ data: { fields: { verifySchedule: [expect.any(String)] } } }),
    );
    expect(() => input({ concurrency: 9 })).toThrow(
      expect.objectContaining({ data: { fields: { concurrency: ['At most 8'] } } }),
    );
    expect(() => input({ selector: { vmIds: [], tags: [] } })).toThrow(
      expect.objectContaining({ data: { fields: { selector: [expect.stringMatching(/at least one/)] } } }),
    );
  });
});

describe('createJob / updateJob / runJobNow', () => {
  it('creates a job with its next run in its timezone, audited; a viewer is refused and audited', async () => {
    await expect(createJob(viewer, input())).rejects.toMatchObject({ status: 403 });
    expect(
      await db().auditEvent.findFirst({ where: { action: 'backup-job.create', result: 'denied' } }),
    ).not.toBeNull();
    const job = await createJob(operator, input());
    expect(job).toMatchObject({
      name: 'nightly',
      enabled: true,
      scheduleDescription: 'At 02:00 (Europe/Paris)',
      retention: { keepLast: 3, daily: 7, weekly: 0 },
    });
    // 02:00 in Paris is 00:00 or 01:00 UTC.
    expect(new Date(job.nextRunAt!).getUTCHours()).toBeLessThanOrEqual(1);
    expect(
      await db().auditEvent.findFirst({ where: { action: 'backup-job.create', result: 'succeeded' } }),
    ).not.toBeNull();
  });

  it('disable clears the next run; enable computes it again; a cron invalid for the job’s timezone is 422', async () => {
    const job = await createJob(admin, input());
    expect((await updateJob(admin, job.id, { enabled: false })).nextRunAt).toBeNull();
    expect((await updateJob(admin, job.id, { enabled: true })).nextRunAt).not.toBeNull();
    expect(
      await db().auditEvent.count({ where: { action: { in: ['backup-job.enable', 'backup-job.disable'] } } }),
    ).toBe(2);
    await expect(updateJob(admin, job.id, { schedule: '0 0 31 2 *' })).rejects.toMatchObject({ status: 422 });
  });

  it('run now queues one backup.run task (202) and refuses a second while it is active (409)', async () => {
    const job = await createJob(admin, input());
    const { taskId } = await runJobNow(operator, job.id);
    expect(await db().task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      kind: 'backup.run',
      targetId: job.id,
    });
    await expect(runJobNow(operator, job.id)).rejects.toMatchObject({ status: 409 });
  });
});

describe('scheduler', () => {
  it('two workers seeing the same due job queue one run, advance nextRunAt, and skip while a run is active', async () => {
    const job = await createJob(admin, input({ schedule: '*/5 * * * *', timezone: 'UTC' }));
    await db().backupJob.update({ where: { id: job.id }, data: { nextRunAt: new Date(Date.now() - 1000) } });
    const now = new Date();
    await Promise.all([scheduleBackups(() => {}, now), scheduleBackups(() => {}, now)]);
    expect(await db().task.count({ where: { kind: 'backup.run', targetId: job.id } })).toBe(1);
    const next = (await db().backupJob.findUniqueOrThrow({ where: { id: job.id } })).nextRunAt!;
    expect(next.getTime()).toBeGreaterThan(now.getTime());
    expect(next.getUTCMinutes() % 5).toBe(0);

    await db().backupJob.update({ where: { id: job.id }, data: { nextRunAt: new Date(Date.now() - 1000) } });
    const logs: string[] = [];
    await scheduleBackups((m) => logs.push(m), new Date());
    expect(await db().task.count({ where: { kind: 'backup.run', targetId: job.id } })).toBe(1);
    expect(logs.join()).toMatch(/still going; skipped/);
  });

  it('a due verify schedule queues one backup.verify of each VM’s newest point', async () => {
    const job = await createJob(admin, input({ verifySchedule: '0 4 * * 0', timezone: 'UTC' }));
    expect(job.nextVerifyAt).not.toBeNull();
    const mk = (id: string, vmId: string, hour: number) =>
      db().restorePoint.create({
        data: {
          id,
          vmId,
          vmName: vmId,
          jobId: job.id,
          hostId,
          kind: 'full',
          chainId: id,
          filePath: `/x/${id}`,
          sha256: 'x',
          sizeBytes: 1n,
          virtualSizeBytes: 1n,
          takenAt: new Date(Date.UTC(2026, 0, 1, hour)),
        },
      });
    await mk('a1', 'vm-a', 1);
    await mk('a2', 'vm-a', 2);
    await mk('b1', 'vm-b', 1);
    await db().backupJob.update({ where: { id: job.id }, data: { nextVerifyAt: new Date(Date.now() - 1000) } });
    await scheduleBackups(() => {});
    await scheduleBackups(() => {});
    const tasks = await db().task.findMany({ where: { kind: 'backup.verify' } });
    expect(tasks).toHaveLength(1);
    expect(JSON.parse(tasks[0].payload)).toEqual({ pointIds: ['a2', 'b1'], boot: false });
  });
});

describe('preview', () => {
  it('describes the schedule, lists the next 10 runs and simulates 400 days of retention', async () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const p = await previewJob(
      parseInput(previewSchema, {
        schedule: '0 2 * * *',
        timezone: 'UTC',
        retention: { keepLast: 2, daily: 7, weekly: 4, monthly: 12 },
      }),
      now,
    );
    expect(p.description).toBe('At 02:00 (UTC)');
    expect(p.nextRuns[0]).toBe('2026-01-02T02:00:00.000Z');
    expect(p.nextRuns).toHaveLength(10);
    expect(p.retention.simulated).toHaveLength(400);
    const kept = p.retention.simulated.filter((s) => s.keep);
    // Runs end on Fri 2027-02-05. Daily: Jan 30..Feb 5, which also hold the newest of ISO weeks
    // 05 and 04 and of Feb and Jan 2027; weekly adds Jan 24 and 17; monthly adds Dec..Mar 2026.
    expect(kept.length).toBe(7 + 2 + 10);
    expect(kept.at(-1)!.reasons).toContain('keep-last 1/2');
  });

  it('applies the policy to a job’s existing points and always keeps each VM’s newest', async () => {
    const job = await createJob(admin, input());
    const mk = (id: string, day: number, parentId: string | null) =>
      db().restorePoint.create({
        data: {
          id,
          vmId: 'vm-a',
          vmName: 'a',
          jobId: job.id,
          hostId,
          kind: parentId ? 'incremental' : 'full',
          chainId: 'c',
          parentId,
          filePath: `/x/${id}`,
          sha256: 'x',
          sizeBytes: 1n,
          virtualSizeBytes: 1n,
          takenAt: new Date(Date.UTC(2026, 0, day, 2)),
        },
      });
    await mk('p1', 1, null);
    await mk('p2', 2, 'p1');
    await mk('p3', 3, 'p2');
    const p = await previewJob(
      parseInput(previewSchema, { schedule: '0 2 * * *', timezone: 'UTC', retention: { monthly: 1 }, jobId: job.id }),
    );
    expect(p.retention.existing.map((e) => [e.pointId, e.keep])).toEqual([
      ['p3', true],
      ['p2', false],
      ['p1', false],
    ]);
  });
});

describe('protection', () => {
  it('unprotected without a job; late without a point; protected with a fresh point; failed after a failed run', async () => {
    const mkVm = (id: string, tags: string[]) =>
      db().vm.create({
        data: {
          id,
          name: id,
          hostId,
          vcpus: 1,
          memoryMiB: 64,
          diskSizeBytes: 1n,
          tags: JSON.stringify(tags),
          state: 'running',
        },
      });
    await mkVm('vm-prod', ['prod']);
    await mkVm('vm-dev', []);
    const job = await createJob(admin, input({ schedule: '0 * * * *', timezone: 'UTC' }));
    let status = Object.fromEntries((await listProtection()).map((p) => [p.vmId, p]));
    expect(status['vm-dev']).toMatchObject({ status: 'unprotected', jobs: [] });
    expect(status['vm-prod']).toMatchObject({
      status: 'late',
      reason: 'no restore point yet',
      intervalSec: 3600,
      jobs: [{ id: job.id }],
    });

    await db().restorePoint.create({
      data: {
        vmId: 'vm-prod',
        vmName: 'vm-prod',
        jobId: job.id,
        hostId,
        kind: 'full',
        chainId: 'c',
        filePath: '/x',
        sha256: 'x',
        sizeBytes: 1n,
        virtualSizeBytes: 1n,
        takenAt: new Date(Date.now() - 20 * 60_000),
      },
    });
    status = Object.fromEntries((await listProtection()).map((p) => [p.vmId, p]));
    expect(status['vm-prod']).toMatchObject({ status: 'protected', lastPointAgeSec: expect.any(Number) });

    const result = {
      vmId: 'vm-prod',
      vmName: 'vm-prod',
      state: 'failed',
      kind: null,
      fullReason: null,
      bytesWritten: 0,
      sizeBytes: 0,
      durationMs: 0,
      pointId: null,
      error: 'STORAGE_FULL: repository full',
    };
    await db().backupRun.create({ data: { jobId: job.id, state: 'failed', results: JSON.stringify([result]) } });
    status = Object.fromEntries((await listProtection()).map((p) => [p.vmId, p]));
    expect(status['vm-prod']).toMatchObject({
      status: 'failed',
      lastRunState: 'failed',
      lastRunError: 'STORAGE_FULL: repository full',
    });
  });
});
