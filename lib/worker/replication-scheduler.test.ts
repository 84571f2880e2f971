import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { SCHEDULER_TICK_MS } from '@/lib/domain/dr/rpo-schedule';
import { createJob } from '@/lib/domain/dr/service';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { operator } from '@/lib/testing/fixtures';
import { scheduleReplication } from './replication-scheduler';

const h = useDrAgents();
const logs: string[] = [];
const log = (m: string) => logs.push(m);
const runTasks = () => db().task.findMany({ where: { kind: 'replication.run' } });

describe('replication scheduler', () => {
  it('queues a due job once (CAS on nextRunAt), again after its interval', async () => {
    const job = await createJob(operator, {
      vmId: 'vm-a',
      targetHostId: h.hosts.dr1.id,
      intervalSec: 15,
      keepPoints: 2,
    });
    const now = new Date();
    // Two workers ticking at the same instant: exactly one run.
    expect((await Promise.all([scheduleReplication(log, now), scheduleReplication(log, now)])).sort()).toEqual([0, 1]);
    const [task] = await runTasks();
    expect(JSON.parse(task.payload)).toEqual({ jobId: job.id, trigger: 'schedule' });
    expect(task).toMatchObject({ targetType: 'dr-job', targetId: job.id, createdByName: 'system' });
    // The RPO rule: one interval minus the margin (no run history yet: the 1 s minimum) and the tick.
    const next = (await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).nextRunAt!;
    expect(next.getTime()).toBe(now.getTime() + 12_000);
    expect(await scheduleReplication(log, new Date(now.getTime() + 11_000))).toBe(0);
    await db().task.update({ where: { id: task.id }, data: { state: 'succeeded' } });
    expect(await scheduleReplication(log, new Date(now.getTime() + 12_000))).toBe(1);
    expect(await runTasks()).toHaveLength(2);
  });

  it('skips (and collapses) a due run while the previous one still runs; ignores paused and failed-over jobs', async () => {
    const job = await createJob(operator, {
      vmId: 'vm-a',
      targetHostId: h.hosts.dr1.id,
      intervalSec: 15,
      keepPoints: 2,
    });
    const now = new Date();
    await scheduleReplication(log, now);
    // Three intervals pass while that run is still going: one skip, the next time one interval on.
    const later = new Date(now.getTime() + 45_000);
    expect(await scheduleReplication(log, later)).toBe(0);
    expect(logs.at(-1)).toContain('still going; skipped');
    expect((await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).nextRunAt!.getTime()).toBe(
      later.getTime() + 12_000,
    );
    await db().task.updateMany({ data: { state: 'succeeded' } });
    await db().replicationJob.update({ where: { id: job.id }, data: { enabled: false, nextRunAt: now } });
    expect(await scheduleReplication(log, later)).toBe(0);
    await db().replicationJob.update({ where: { id: job.id }, data: { enabled: true, state: 'failed-over' } });
    expect(await scheduleReplication(log, later)).toBe(0);
    expect(await runTasks()).toHaveLength(1);
  });

  it('claims by the RPO rule: one interval minus 1.5 x the median recent run of that direction and a tick', async () => {
    const job = await createJob(operator, {
      vmId: 'vm-a',
      targetHostId: h.hosts.dr1.id,
      intervalSec: 15,
      keepPoints: 2,
    });
    const runs = (direction: string, durations: number[]) =>
      db().replicationRun.createMany({
        data: durations.map((durationMs) => ({ jobId: job.id, direction, status: 'succeeded', durationMs })),
      });
    await runs('forward', [2000, 4000, 3000]);
    await runs('reverse', [8000]);
    const now = new Date();
    expect(await scheduleReplication(log, now)).toBe(1);
    const next = async () => (await db().replicationJob.findUniqueOrThrow({ where: { id: job.id } })).nextRunAt!;
    expect((await next()).getTime()).toBe(now.getTime() + 15_000 - 4500 - SCHEDULER_TICK_MS);
    // A job failing back runs in reverse at the same pace, with the reverse runs' margin.
    await db().task.updateMany({ data: { state: 'succeeded' } });
    await db().replicationJob.update({ where: { id: job.id }, data: { state: 'failing-back', nextRunAt: now } });
    expect(await scheduleReplication(log, now)).toBe(1);
    expect((await next()).getTime()).toBe(now.getTime() + 15_000 - 12_000 - SCHEDULER_TICK_MS);
    expect(logs.at(-1)).toContain('queued reverse run');
    const [, reverse] = await runTasks();
    expect(reverse.title).toBe('Fail back VM web (reverse run)');
  });
});
