import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { AppError, pointInUse } from '@/lib/errors';
import { clearTables } from '@/lib/testing/fixtures';
import { runHandler, seedSnapshot, seedVm, startSnapshotAgent } from '@/lib/testing/snapshot-agent';
import { createTestDb } from '@/lib/testing/test-db';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

let h1: Awaited<ReturnType<typeof startSnapshotAgent>>;
let h2: Awaited<ReturnType<typeof startSnapshotAgent>>;
beforeEach(async () => {
  h1 = await startSnapshotAgent('h1');
  h2 = await startSnapshotAgent('h2');
  await seedVm(h1.host.id, 'vm-a');
  await seedVm(h2.host.id, 'vm-b');
  await seedVm(h2.host.id, 'vm-c');
});
afterEach(async () => {
  await h1.agent.close();
  await h2.agent.close();
  await clearTables('auditEvent', 'taskStep', 'task', 'snapshot', 'checkpointGroup', 'vm', 'host');
});

const take = { groupId: 'cg-000000000001', name: 'app', memory: true, vmIds: ['vm-a', 'vm-b', 'vm-c'] };

describe('checkpoint-group.take', () => {
  it('pauses every host, captures every member, writes the group and its snapshots; pause = last resume - first stop', async () => {
    h1.state.clock = 1_000;
    h2.state.clock = 1_010; // h2 stops 10 ms later and resumes at 1_040: the group pause is 40 ms
    const { result } = await runHandler('checkpoint-group.take', take);
    expect(result).toMatchObject({ groupId: take.groupId, pauseMs: 40 });
    expect(h1.agent.callsTo('POST /v1/points/group/pause')[0].body).toEqual({
      groupId: take.groupId,
      vmIds: ['vm-a'],
      holdMs: 10_000,
    });
    expect(h2.agent.callsTo('POST /v1/points/group/prepare')[0].body).toEqual({
      groupId: take.groupId,
      vmIds: ['vm-b', 'vm-c'],
      holdMs: 10_000,
      prepare: {
        kind: 'memory',
        items: [
          { vmId: 'vm-b', pointId: `${take.groupId}-1` },
          { vmId: 'vm-c', pointId: `${take.groupId}-2` },
        ],
      },
    });
    // prepared everywhere before any host pauses
    for (const h of [h1, h2])
      expect(h.agent.calls.map((c) => c.route).filter((r) => r.includes('/group/'))).toEqual([
        'POST /v1/points/group/prepare',
        'POST /v1/points/group/pause',
        'POST /v1/points/group/capture',
      ]);
    expect(h2.agent.callsTo('POST /v1/points/group/capture')[0].body).toEqual({
      groupId: take.groupId,
      kind: 'memory',
      items: [
        { vmId: 'vm-b', pointId: `${take.groupId}-1` },
        { vmId: 'vm-c', pointId: `${take.groupId}-2` },
      ],
    });
    expect(await db().checkpointGroup.findUniqueOrThrow({ where: { id: take.groupId } })).toMatchObject({
      name: 'app',
      memory: true,
      pauseMs: 40,
      firstStopAt: new Date(1_000),
      lastResumeAt: new Date(1_040),
    });
    const rows = await db().snapshot.findMany({ orderBy: { vmId: 'asc' } });
    expect(rows.map((s) => [s.vmId, s.id, s.groupId, s.memory, s.hostId])).toEqual([
      ['vm-a', `${take.groupId}-0`, take.groupId, true, h1.host.id],
      ['vm-b', `${take.groupId}-1`, take.groupId, true, h2.host.id],
      ['vm-c', `${take.groupId}-2`, take.groupId, true, h2.host.id],
    ]);
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-c' } })).currentSnapshotId).toBe(`${take.groupId}-2`);
  });

  it("a host failing its capture: every member resumed, the other host's points removed, nothing registered", async () => {
    h2.state.fail.set('capture', new AppError('QEMU_ERROR', 'disk full', 500));
    const { result, steps } = await runHandler('checkpoint-group.take', take);
    expect(result).toMatchObject({ code: 'QEMU_ERROR' });
    expect(h1.agent.callsTo('POST /v1/points/group/resume')).toHaveLength(1);
    expect(h2.agent.callsTo('POST /v1/points/group/resume')).toHaveLength(1);
    expect(h1.agent.callsTo('DELETE /v1/vms/:id/points/:pointId').map((c) => c.params.pointId)).toEqual([
      `${take.groupId}-0`,
    ]);
    expect(await db().checkpointGroup.count()).toBe(0);
    expect(await db().snapshot.count()).toBe(0);
    expect(steps).toContain('info: Every member released (resumed where paused)');
  });

  it('a host refusing to prepare: nobody is paused, every host released', async () => {
    h2.state.fail.set(
      'prepare',
      new AppError('POINT_UNSUPPORTED', 'VM vm-b cannot take a checkpoint with memory: migration blocker', 409),
    );
    const { result } = await runHandler('checkpoint-group.take', take);
    expect(result).toMatchObject({ code: 'POINT_UNSUPPORTED' });
    for (const h of [h1, h2]) {
      expect(h.agent.callsTo('POST /v1/points/group/pause')).toHaveLength(0);
      expect(h.agent.callsTo('POST /v1/points/group/resume')).toHaveLength(1);
    }
  });

  it('a host refusing the pause: the others are resumed, nothing captured', async () => {
    h1.state.fail.set('pause', new AppError('VM_BAD_POWER_STATE', 'VM n-vm-a is shutoff', 409));
    const { result } = await runHandler('checkpoint-group.take', take);
    expect(result).toMatchObject({ code: 'VM_BAD_POWER_STATE' });
    expect(h2.agent.callsTo('POST /v1/points/group/resume')).toHaveLength(1);
    expect(h2.agent.callsTo('POST /v1/points/group/capture')).toHaveLength(0);
  });
});

describe('checkpoint-group.restore and delete', () => {
  async function seedGroup() {
    await db().checkpointGroup.create({
      data: { id: take.groupId, name: 'app', memory: true, vmIds: JSON.stringify(take.vmIds) },
    });
    for (const [i, vm] of take.vmIds.entries())
      await seedSnapshot(vm, vm === 'vm-a' ? h1.host.id : h2.host.id, `${take.groupId}-${i}`, {
        groupId: take.groupId,
        memory: true,
      });
  }

  it('restore: every host reverts its members paused, then all resume; "you are here" on each', async () => {
    await seedGroup();
    const { result } = await runHandler('checkpoint-group.restore', { groupId: take.groupId });
    expect(result).toMatchObject({ vmIds: ['vm-a', 'vm-b', 'vm-c'] });
    expect(h2.agent.callsTo('POST /v1/points/group/revert')[0].body).toEqual({
      groupId: take.groupId,
      items: [
        { vmId: 'vm-b', pointId: `${take.groupId}-1` },
        { vmId: 'vm-c', pointId: `${take.groupId}-2` },
      ],
      resume: false,
    });
    for (const h of [h1, h2])
      expect(h.agent.calls.map((c) => c.route).filter((r) => r.includes('/group/'))).toEqual([
        'POST /v1/points/group/revert',
        'POST /v1/points/group/resume',
      ]);
    for (const [i, vm] of take.vmIds.entries())
      expect((await db().vm.findUniqueOrThrow({ where: { id: vm } })).currentSnapshotId).toBe(`${take.groupId}-${i}`);
  });

  it('delete: a member still in use stays with the group; otherwise all go', async () => {
    await seedGroup();
    h2.state.fail.set('delete', pointInUse('x', 'linked clones depend on it'));
    const first = await runHandler('checkpoint-group.delete', { groupId: take.groupId });
    expect(first.result).toMatchObject({ message: expect.stringContaining('vm-b, vm-c could not be deleted') });
    expect((await db().snapshot.findMany()).map((s) => s.vmId).sort()).toEqual(['vm-b', 'vm-c']);
    h2.state.fail.clear();
    await runHandler('checkpoint-group.delete', { groupId: take.groupId });
    expect(await db().snapshot.count()).toBe(0);
    expect(await db().checkpointGroup.count()).toBe(0);
  });
});
