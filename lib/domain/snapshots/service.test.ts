import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { deleteVm } from '@/lib/domain/vms/service';
import { operator, seedHost, viewer } from '@/lib/testing/fixtures';
import { seedSnapshot, seedVm, startSnapshotAgent, useSnapshotAgent } from '@/lib/testing/snapshot-agent';
import { createGroupCheckpoint, deleteGroup, restoreGroup } from './groups';
import { cloneFromSnapshot, deleteSnapshot, detachClone, revertSnapshot, takeSnapshot } from './service';

const h = useSnapshotAgent({ users: true });

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { status: number; code: string; message: string; data?: Record<string, unknown> }) => ({
      status: e.status,
      code: e.code,
      message: e.message,
      data: e.data,
    }),
  );
const audits = async () =>
  (await db().auditEvent.findMany({ orderBy: { id: 'asc' } })).map((a) => ({
    action: a.action,
    result: a.result,
    detail: JSON.parse(a.detail) as Record<string, unknown>,
  }));

describe('take a snapshot or checkpoint', () => {
  it('queues snapshot.take with the point id chosen now, writes no Snapshot row yet, audits', async () => {
    await seedVm(h.host.id, 'vm-a');
    const r = await takeSnapshot(operator, 'vm-a', { name: 'before upgrade', memory: true });
    expect(r.snapshotId).toMatch(/^sn-[0-9a-f]{12}$/);
    const task = await db().task.findUniqueOrThrow({ where: { id: r.taskId } });
    expect(task).toMatchObject({ kind: 'snapshot.take', state: 'queued', targetType: 'vm', targetId: 'vm-a' });
    expect(JSON.parse(task.payload)).toEqual({
      vmId: 'vm-a',
      snapshotId: r.snapshotId,
      name: 'before upgrade',
      description: null,
      memory: true,
      scheduleId: null,
    });
    expect(await db().snapshot.count()).toBe(0);
    expect(h.agent.callsTo('GET /v1/vms/:id/points')).toHaveLength(1);
    expect(await audits()).toEqual([
      { action: 'snapshot.checkpoint', result: 'accepted', detail: expect.objectContaining({ taskId: r.taskId }) },
    ]);
  });

  it("refuses with the agent's reason when the VM cannot take that kind (409 POINT_UNSUPPORTED), audited as denied", async () => {
    await seedVm(h.host.id, 'vm-a', { state: 'stopped' });
    h.state.capabilities = {
      ...h.state.capabilities,
      memory: { ok: false, reason: 'the VM is off: a checkpoint with memory needs a running VM' },
    };
    const e = await refusal(takeSnapshot(operator, 'vm-a', { name: 'x', memory: true }));
    expect(e).toMatchObject({
      status: 409,
      code: 'POINT_UNSUPPORTED',
      message:
        'VM n-vm-a cannot take a checkpoint with memory: the VM is off: a checkpoint with memory needs a running VM',
    });
    expect(await db().task.count()).toBe(0);
    expect(await audits()).toEqual([
      { action: 'snapshot.checkpoint', result: 'denied', detail: { code: 'POINT_UNSUPPORTED', reason: e!.message } },
    ]);
    // the disk snapshot of the same stopped VM is fine
    await expect(takeSnapshot(operator, 'vm-a', { name: 'y', memory: false })).resolves.toMatchObject({
      taskId: expect.any(String),
    });
  });

  it('refuses a viewer (403), a missing VM (404), an offline host (503 naming the VM), a VM busy with a task (409 naming it)', async () => {
    await seedVm(h.host.id, 'vm-a');
    expect(await refusal(takeSnapshot(viewer, 'vm-a', { name: 'x', memory: false }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await refusal(takeSnapshot(operator, 'vm-zz', { name: 'x', memory: false }))).toMatchObject({
      status: 404,
      code: 'NO_SUCH_OBJECT',
    });
    const off = await seedHost('h2', { online: false });
    await seedVm(off.id, 'vm-off');
    expect(await refusal(takeSnapshot(operator, 'vm-off', { name: 'x', memory: false }))).toMatchObject({
      status: 503,
      code: 'HOST_OFFLINE',
      message: expect.stringMatching(/^VM n-vm-off: Host h2 is offline/),
    });
    const busy = await db().task.create({
      data: {
        kind: 'vm.migrate',
        title: 'Migrate VM n-vm-a from h1 to h2',
        state: 'running',
        targetType: 'vm',
        targetId: 'vm-a',
      },
    });
    await db().vm.update({ where: { id: 'vm-a' }, data: { state: 'migrating' } });
    expect(await refusal(takeSnapshot(operator, 'vm-a', { name: 'x', memory: false }))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      message: 'VM n-vm-a is migrating: "Migrate VM n-vm-a from h1 to h2"; wait for it to finish',
      data: { taskId: busy.id },
    });
    expect((await audits()).map((a) => a.result)).toEqual(['denied', 'denied', 'denied', 'denied']);
  });
});

describe('revert, delete', () => {
  it('revert queues with the state to fall back to; a snapshot of another VM is 404', async () => {
    await seedVm(h.host.id, 'vm-a', { state: 'stopped' });
    await seedVm(h.host.id, 'vm-b');
    await seedSnapshot('vm-b', h.host.id, 'sn-b1');
    await seedSnapshot('vm-a', h.host.id, 'sn-a1');
    expect(await refusal(revertSnapshot(operator, 'vm-a', 'sn-b1'))).toMatchObject({ status: 404 });
    const { taskId } = await revertSnapshot(operator, 'vm-a', 'sn-a1');
    expect(JSON.parse((await db().task.findUniqueOrThrow({ where: { id: taskId } })).payload)).toEqual({
      vmId: 'vm-a',
      snapshotId: 'sn-a1',
      previousState: 'stopped',
    });
  });

  it('delete refuses while linked clones depend on the snapshot, and at a branch point, naming them', async () => {
    await seedVm(h.host.id, 'vm-a', { currentSnapshotId: 'sn-1' });
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedSnapshot('vm-a', h.host.id, 'sn-2', { parentId: 'sn-1' });
    await seedVm(h.host.id, 'vm-c', { cloneOfSnapshotId: 'sn-2' });
    // sn-1 has a later point (sn-2) and the VM sits on it (reverted there): two branches
    expect(await refusal(deleteSnapshot(operator, 'vm-a', 'sn-1'))).toMatchObject({
      status: 409,
      code: 'POINT_IN_USE',
      message: expect.stringContaining('branch point of 2 branches'),
      data: { branches: 2 },
    });
    expect(await refusal(deleteSnapshot(operator, 'vm-a', 'sn-2'))).toMatchObject({
      status: 409,
      code: 'POINT_IN_USE',
      message: expect.stringContaining('linked clones depend on it (n-vm-c)'),
      data: { clones: [{ vmId: 'vm-c', vmName: 'n-vm-c' }] },
    });
    await db().vm.update({ where: { id: 'vm-c' }, data: { cloneOfSnapshotId: null } });
    await expect(deleteSnapshot(operator, 'vm-a', 'sn-2')).resolves.toMatchObject({ taskId: expect.any(String) });
  });

  it('VM delete refuses while linked clones depend on its snapshots (409 POINT_IN_USE)', async () => {
    await seedVm(h.host.id, 'vm-a');
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedVm(h.host.id, 'vm-c', { cloneOfSnapshotId: 'sn-1' });
    expect(await refusal(deleteVm(operator, 'vm-a'))).toMatchObject({
      status: 409,
      code: 'POINT_IN_USE',
      data: { vmId: 'vm-a', clones: [{ vmId: 'vm-c', vmName: 'n-vm-c', snapshotId: 'sn-1' }] },
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).state).toBe('running');
    await expect(deleteVm(operator, 'vm-c')).resolves.toMatchObject({ taskId: expect.any(String) }); // the clone itself goes
  });
});

describe('linked clones', () => {
  it('makes the clone row now (provisioning, same host and pool, no tags) and queues vm.clone; a taken name is 409', async () => {
    await seedVm(h.host.id, 'vm-a', { tags: ['web'] });
    await db().vm.update({ where: { id: 'vm-a' }, data: { pool: 'shared' } });
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    const r = await cloneFromSnapshot(operator, 'vm-a', 'sn-1', { name: 'web-clone', start: false });
    expect(await db().vm.findUniqueOrThrow({ where: { id: r.vmId } })).toMatchObject({
      name: 'web-clone',
      hostId: h.host.id,
      pool: 'shared',
      state: 'provisioning',
      cloneOfSnapshotId: 'sn-1',
      tags: '[]',
      memoryMiB: 128,
    });
    expect(JSON.parse((await db().task.findUniqueOrThrow({ where: { id: r.taskId } })).payload)).toEqual({
      vmId: r.vmId,
      snapshotId: 'sn-1',
      start: false,
    });
    expect(
      await refusal(cloneFromSnapshot(operator, 'vm-a', 'sn-1', { name: 'web-clone', start: false })),
    ).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
    h.state.capabilities = { ...h.state.capabilities, clone: { ok: false, reason: 'busy: backup' } };
    expect(await refusal(cloneFromSnapshot(operator, 'vm-a', 'sn-1', { name: 'other', start: false }))).toMatchObject({
      status: 409,
      code: 'POINT_UNSUPPORTED',
      data: { reason: 'busy: backup' },
    });
  });

  it('detach needs a linked clone', async () => {
    await seedVm(h.host.id, 'vm-a');
    expect(await refusal(detachClone(operator, 'vm-a'))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      message: expect.stringContaining('not a linked clone'),
    });
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedVm(h.host.id, 'vm-c', { cloneOfSnapshotId: 'sn-1', state: 'stopped' });
    await expect(detachClone(operator, 'vm-c')).resolves.toMatchObject({ taskId: expect.any(String) });
  });
});

describe('group checkpoints', () => {
  it('resolves members by hand and by tag, checks each, queues one task with every VM', async () => {
    const h2 = await startSnapshotAgent('h2');
    try {
      await seedVm(h.host.id, 'vm-a', { tags: ['db'] });
      await seedVm(h2.host.id, 'vm-b', { tags: ['db'] });
      await seedVm(h2.host.id, 'vm-c');
      await seedVm(h2.host.id, 'vm-x');
      const r = await createGroupCheckpoint(operator, { name: 'app', memory: true, vmIds: ['vm-c'], tags: ['db'] });
      const payload = JSON.parse((await db().task.findUniqueOrThrow({ where: { id: r.taskId } })).payload) as {
        vmIds: string[];
        groupId: string;
      };
      expect(payload).toEqual({ groupId: r.groupId, name: 'app', memory: true, vmIds: ['vm-a', 'vm-b', 'vm-c'] });
      expect(await db().checkpointGroup.count()).toBe(0); // written by the worker on success only
      // while the group task is queued, its members are busy with it
      expect(await refusal(takeSnapshot(operator, 'vm-b', { name: 'x', memory: false }))).toMatchObject({
        status: 409,
        code: 'CONFLICT',
        data: { taskId: r.taskId },
        message: expect.stringContaining('Group checkpoint "app" of 3 VMs'),
      });
      await expect(takeSnapshot(operator, 'vm-x', { name: 'x', memory: false })).resolves.toMatchObject({
        taskId: expect.any(String),
      });
      await db().task.deleteMany();
      // a member that is not running cannot stop at the instant
      await db().vm.update({ where: { id: 'vm-c' }, data: { state: 'stopped' } });
      expect(
        await refusal(createGroupCheckpoint(operator, { name: 'app3', memory: false, vmIds: ['vm-a', 'vm-c'] })),
      ).toMatchObject({
        status: 409,
        code: 'VM_BAD_POWER_STATE',
        message: 'VM n-vm-c is stopped; this needs it running',
      });
      // one member that cannot take part refuses the whole group, named
      h2.state.capabilities = {
        ...h2.state.capabilities,
        memory: { ok: false, reason: 'migration blocker: device x' },
      };
      expect(
        await refusal(createGroupCheckpoint(operator, { name: 'app2', memory: true, tags: ['db'] })),
      ).toMatchObject({
        status: 409,
        code: 'POINT_UNSUPPORTED',
        message: 'VM n-vm-b cannot take a checkpoint with memory: migration blocker: device x',
      });
      expect(
        await refusal(createGroupCheckpoint(operator, { name: 'none', memory: false, tags: ['nothing'] })),
      ).toMatchObject({ status: 422 });
      expect(
        await refusal(createGroupCheckpoint(operator, { name: 'gone', memory: false, vmIds: ['vm-gone'] })),
      ).toMatchObject({ status: 404, message: 'No VM "vm-gone"' });
    } finally {
      await h2.agent.close();
    }
  });

  it('restore and delete check the members; delete refuses while clones depend on a member', async () => {
    await seedVm(h.host.id, 'vm-a');
    await db().checkpointGroup.create({ data: { id: 'cg-1', name: 'g', memory: false, vmIds: '["vm-a"]' } });
    await seedSnapshot('vm-a', h.host.id, 'cg-1-0', { groupId: 'cg-1' });
    await seedVm(h.host.id, 'vm-c', { cloneOfSnapshotId: 'cg-1-0' });
    expect(await refusal(deleteGroup(operator, 'cg-1'))).toMatchObject({ status: 409, code: 'POINT_IN_USE' });
    const { taskId } = await restoreGroup(operator, 'cg-1');
    expect(await db().task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      kind: 'checkpoint-group.restore',
      targetId: 'cg-1',
    });
    expect(await refusal(restoreGroup(operator, 'cg-1'))).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      data: { taskId },
    }); // already restoring
  });
});
