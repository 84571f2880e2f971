import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { pointInUse } from '@/lib/errors';
import { runHandler, seedSnapshot, seedVm, useSnapshotAgent } from '@/lib/testing/snapshot-agent';
import { scheduleSnapshots } from '../snapshot-scheduler';

const h = useSnapshotAgent();

const day = (d: number) => new Date(Date.UTC(2026, 11, d));

async function seedSchedule(keep: number, memory = false) {
  return db().snapshotSchedule.create({
    data: {
      id: 'sch-1',
      name: 'nightly',
      selector: JSON.stringify({ vmIds: [], tags: ['web'] }),
      memory,
      schedule: '0 2 * * *',
      keep,
      nextRunAt: day(1),
    },
  });
}

describe('snapshot.schedule-run', () => {
  it('takes a snapshot of each selected VM, then deletes its snapshots of this schedule beyond the newest N (oldest first; others never)', async () => {
    await seedSchedule(2);
    await seedVm(h.host.id, 'vm-a', { tags: ['web'] });
    await seedVm(h.host.id, 'vm-x'); // not selected
    for (const [i, id] of ['sn-old1', 'sn-old2', 'sn-old3'].entries())
      await seedSnapshot('vm-a', h.host.id, id, { scheduleId: 'sch-1', createdAt: day(i + 1) });
    await seedSnapshot('vm-a', h.host.id, 'sn-manual', { createdAt: day(1) }); // not this schedule's: never pruned
    const { result, steps } = await runHandler('snapshot.schedule-run', { scheduleId: 'sch-1' });
    expect(result).toMatchObject({ outcomes: [{ vmId: 'vm-a', error: null, pruned: 2 }] });
    const left = (await db().snapshot.findMany({ where: { vmId: 'vm-a' }, orderBy: { createdAt: 'asc' } })).map(
      (s) => s.id,
    );
    expect(left).toHaveLength(3);
    expect(left).toContain('sn-manual');
    expect(left).toContain('sn-old3');
    expect(await db().snapshot.count({ where: { vmId: 'vm-x' } })).toBe(0);
    expect(steps.filter((s) => s.includes('pruned'))).toHaveLength(2);
    expect((await db().snapshotSchedule.findUniqueOrThrow({ where: { id: 'sch-1' } })).lastRunAt).not.toBeNull();
  });

  it('keeps a snapshot the agent says is in use, with a step', async () => {
    await seedSchedule(1);
    await seedVm(h.host.id, 'vm-a', { tags: ['web'] });
    await seedSnapshot('vm-a', h.host.id, 'sn-old', { scheduleId: 'sch-1', createdAt: day(1) });
    h.state.fail.set('delete', pointInUse('sn-old', 'linked clones depend on it (clone-1)'));
    const { result, steps } = await runHandler('snapshot.schedule-run', { scheduleId: 'sch-1' });
    expect(result).toMatchObject({ outcomes: [{ vmId: 'vm-a', error: null, pruned: 0, keptInUse: 1 }] });
    expect(await db().snapshot.findUnique({ where: { id: 'sn-old' } })).not.toBeNull();
    expect(
      steps.some((s) => s.startsWith('warn: n-vm-a: kept "snap sn-old" beyond keep 1') && s.includes('clone-1')),
    ).toBe(true);
  });

  it('skips a VM that cannot take part (memory checkpoint of a stopped VM) and fails only when every VM failed', async () => {
    await seedSchedule(3, true);
    await seedVm(h.host.id, 'vm-a', { tags: ['web'], state: 'stopped' });
    h.state.capabilities = { ...h.state.capabilities, memory: { ok: false, reason: 'the VM is off' } };
    const { result, steps } = await runHandler('snapshot.schedule-run', { scheduleId: 'sch-1' });
    expect(result).toMatchObject({
      message: expect.stringContaining('n-vm-a: VM n-vm-a cannot take a checkpoint with memory: the VM is off'),
    });
    expect(steps).toContain('warn: n-vm-a: skipped: VM n-vm-a cannot take a checkpoint with memory: the VM is off');
  });
});

describe('the snapshot scheduler', () => {
  it('queues one run per due schedule (claimed once), moves the next run on, skips one still running', async () => {
    await seedSchedule(3);
    const logs: string[] = [];
    await scheduleSnapshots((m) => logs.push(m), day(2));
    await scheduleSnapshots((m) => logs.push(m), day(2)); // the same tick again: already claimed
    const tasks = await db().task.findMany({ where: { kind: 'snapshot.schedule-run' } });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ targetType: 'snapshot-schedule', targetId: 'sch-1', createdByName: 'system' });
    expect((await db().snapshotSchedule.findUniqueOrThrow({ where: { id: 'sch-1' } })).nextRunAt).toEqual(
      new Date(Date.UTC(2026, 11, 2, 2)),
    );
    await scheduleSnapshots((m) => logs.push(m), day(3));
    expect(await db().task.count({ where: { kind: 'snapshot.schedule-run' } })).toBe(1);
    expect(logs.at(-1)).toMatch(/still going; skipped/);
  });
});
