import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { AppError, pointInUse } from '@/lib/errors';
import { runHandler as run, seedSnapshot, seedVm, useSnapshotAgent } from '@/lib/testing/snapshot-agent';

const h = useSnapshotAgent();

describe('snapshot.take', () => {
  it('registers the point the agent returned (sizes, pause), moves "you are here" and the active disk', async () => {
    await seedVm(h.host.id, 'vm-a', { currentSnapshotId: 'sn-0' });
    await seedSnapshot('vm-a', h.host.id, 'sn-0');
    const { result } = await run('snapshot.take', {
      vmId: 'vm-a',
      snapshotId: 'sn-1',
      name: 'cp',
      description: 'why',
      memory: true,
      scheduleId: null,
    });
    expect(result).toMatchObject({ snapshotId: 'sn-1', kind: 'memory', stateBytes: 5000, pauseMs: 4 });
    expect(h.agent.callsTo('POST /v1/vms/:id/points')[0].body).toEqual({ id: 'sn-1', kind: 'memory' });
    expect(await db().snapshot.findUniqueOrThrow({ where: { id: 'sn-1' } })).toMatchObject({
      vmId: 'vm-a',
      name: 'cp',
      description: 'why',
      memory: true,
      stateBytes: 5000n,
      pauseMs: 4,
      createdBy: 'olga',
    });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      currentSnapshotId: 'sn-1',
      diskPath: '/pool/vms/vm-a/layer-sn-1.qcow2',
    });
  });

  it('registers nothing when the agent fails the point, and says why', async () => {
    await seedVm(h.host.id, 'vm-a');
    h.state.fail.set('take', new AppError('QEMU_ERROR', 'migrate: background-snapshot refused', 500));
    const { result, steps } = await run('snapshot.take', {
      vmId: 'vm-a',
      snapshotId: 'sn-1',
      name: 'cp',
      description: null,
      memory: true,
      scheduleId: null,
    });
    expect(result).toMatchObject({ code: 'QEMU_ERROR' });
    expect(await db().snapshot.count()).toBe(0);
    expect(steps.at(-1)).toBe('error: Snapshot failed: migrate: background-snapshot refused');
    expect((await db().auditEvent.findFirstOrThrow()).result).toBe('failed');
  });
});

describe('snapshot.revert and snapshot.delete', () => {
  it('revert: the row follows the agent (state, active disk, "you are here")', async () => {
    await seedVm(h.host.id, 'vm-a', { state: 'stopped', currentSnapshotId: 'sn-2' });
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedSnapshot('vm-a', h.host.id, 'sn-2', { parentId: 'sn-1' });
    const { result, steps } = await run('snapshot.revert', {
      vmId: 'vm-a',
      snapshotId: 'sn-1',
      previousState: 'stopped',
    });
    expect(result).toMatchObject({ state: 'running', resumedFromMemory: true, revertMs: 120 });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      state: 'running',
      currentSnapshotId: 'sn-1',
      diskPath: expect.stringMatching(/layer-r\d+\.qcow2$/),
    });
    expect(steps).toContain('info: Reverted in 120 ms; the VM resumed from its memory state');
  });

  it('delete: its children descend from its parent, and so does the VM if it sat on it', async () => {
    await seedVm(h.host.id, 'vm-a', { currentSnapshotId: 'sn-2' });
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedSnapshot('vm-a', h.host.id, 'sn-2', { parentId: 'sn-1' });
    await seedSnapshot('vm-a', h.host.id, 'sn-3', { parentId: 'sn-2' });
    await run('snapshot.delete', { vmId: 'vm-a', snapshotId: 'sn-2' });
    expect((await db().snapshot.findMany({ orderBy: { id: 'asc' } })).map((s) => [s.id, s.parentId])).toEqual([
      ['sn-1', null],
      ['sn-3', 'sn-1'],
    ]);
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).currentSnapshotId).toBe('sn-1');
  });

  it("delete: the agent's POINT_IN_USE keeps the row", async () => {
    await seedVm(h.host.id, 'vm-a');
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    h.state.fail.set('delete', pointInUse('sn-1', 'linked clones depend on it'));
    const { result } = await run('snapshot.delete', { vmId: 'vm-a', snapshotId: 'sn-1' });
    expect(result).toMatchObject({ code: 'POINT_IN_USE' });
    expect(await db().snapshot.count()).toBe(1);
  });
});

describe('vm.clone and vm.detach-clone', () => {
  it('clone: the row takes the disk the agent made; a failed clone removes the half-made VM', async () => {
    await seedVm(h.host.id, 'vm-a');
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedVm(h.host.id, 'vm-c', { state: 'provisioning', cloneOfSnapshotId: 'sn-1' });
    const { result } = await run('vm.clone', { vmId: 'vm-c', snapshotId: 'sn-1', start: false });
    expect(result).toMatchObject({ vmId: 'vm-c', state: 'stopped' });
    expect(h.agent.callsTo('POST /v1/vms/:id/points/:pointId/clone')[0]).toMatchObject({
      params: { id: 'vm-a', pointId: 'sn-1' },
      body: { vm: { id: 'vm-c', name: 'n-vm-c', vcpus: 1, memoryMiB: 128, boot: {} }, start: false },
    });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-c' } })).toMatchObject({
      state: 'stopped',
      diskPath: '/pool/vms/vm-c/disk0.qcow2',
    });

    await seedVm(h.host.id, 'vm-d', { state: 'provisioning', cloneOfSnapshotId: 'sn-1' });
    h.state.fail.set('clone', new AppError('QEMU_ERROR', 'qemu-img create failed', 500));
    const failed = await run('vm.clone', { vmId: 'vm-d', snapshotId: 'sn-1', start: true });
    expect(failed.result).toMatchObject({ code: 'QEMU_ERROR' });
    expect(await db().vm.findUnique({ where: { id: 'vm-d' } })).toBeNull();
    expect(h.agent.callsTo('DELETE /v1/vms/:id').map((c) => c.params.id)).toEqual(['vm-d']);
  });

  it('detach: the VM is no longer a clone once the agent finished', async () => {
    await seedVm(h.host.id, 'vm-a');
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedVm(h.host.id, 'vm-c', { cloneOfSnapshotId: 'sn-1' });
    h.state.fail.set('detach', new AppError('QEMU_ERROR', 'stream failed', 500));
    await run('vm.detach-clone', { vmId: 'vm-c' });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-c' } })).cloneOfSnapshotId).toBe('sn-1');
    h.state.fail.clear();
    await run('vm.detach-clone', { vmId: 'vm-c' });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-c' } })).cloneOfSnapshotId).toBeNull();
  });
});

describe('vm.delete', () => {
  it("removes the VM's Snapshot rows with it (their files went with its directory)", async () => {
    await seedVm(h.host.id, 'vm-a', { state: 'deleting' });
    await seedSnapshot('vm-a', h.host.id, 'sn-1');
    await seedVm(h.host.id, 'vm-b');
    await seedSnapshot('vm-b', h.host.id, 'sn-b');
    await run('vm.delete', { vmId: 'vm-a', previousState: 'running' });
    expect((await db().snapshot.findMany()).map((s) => s.id)).toEqual(['sn-b']);
    expect(await db().vm.findUnique({ where: { id: 'vm-a' } })).toBeNull();
  });
});
