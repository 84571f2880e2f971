import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { operator, seedHost } from '@/lib/testing/fixtures';
import { ALL_YES, seedSnapshot, seedVm, useSnapshotAgent } from '@/lib/testing/snapshot-agent';
import { listGroups } from './group-queries';
import { getVmSnapshots, getVmTimeline, pointStats } from './queries';
import { listSchedules } from './schedule-queries';
import { createSchedule, deleteSchedule, updateSchedule } from './schedules';

const h = useSnapshotAgent({ users: true });

const at = (day: number, hour = 12) => new Date(Date.UTC(2026, 11, day, hour));

function backup(vmId: string, hostId: string, id: string, takenAt: Date, kind = 'full') {
  return db().restorePoint.create({
    data: {
      id,
      vmId,
      vmName: 'a',
      hostId,
      kind,
      chainId: 'c',
      filePath: `/b/${id}.qcow2`,
      sha256: 'a'.repeat(64),
      sizeBytes: 500n,
      virtualSizeBytes: 1n,
      takenAt,
    },
  });
}

describe('a VM snapshot tree', () => {
  it('lists the tree with "you are here", group names, clones, the agent\'s capabilities and the clone\'s origin', async () => {
    await seedVm(h.host.id, 'vm-a', { currentSnapshotId: 'sn-3' });
    await db().checkpointGroup.create({ data: { id: 'cg-1', name: 'app tier', memory: true, vmIds: '["vm-a"]' } });
    await seedSnapshot('vm-a', h.host.id, 'sn-1', { createdAt: at(1) });
    await seedSnapshot('vm-a', h.host.id, 'sn-2', { parentId: 'sn-1', createdAt: at(2), memory: true });
    await seedSnapshot('vm-a', h.host.id, 'sn-3', { parentId: 'sn-1', createdAt: at(3), groupId: 'cg-1' }); // a branch after a revert to sn-1
    await seedVm(h.host.id, 'vm-c', { cloneOfSnapshotId: 'sn-2' });
    h.state.currentId.set('vm-a', 'sn-3');
    const dto = await getVmSnapshots('vm-a');
    expect(dto).toMatchObject({
      vmId: 'vm-a',
      currentId: 'sn-3',
      capabilities: ALL_YES,
      capabilitiesError: null,
      cloneOf: null,
    });
    expect(dto.snapshots.map((s) => [s.id, s.parentId, s.kind, s.groupName, s.clones])).toEqual([
      ['sn-1', null, 'snapshot', null, []],
      ['sn-2', 'sn-1', 'checkpoint', null, [{ vmId: 'vm-c', vmName: 'n-vm-c' }]],
      ['sn-3', 'sn-1', 'snapshot', 'app tier', []],
    ]);
    expect(dto.snapshots[0]).toMatchObject({ layerBytes: 1000, stateBytes: 0, createdAt: at(1).toISOString() });
    // the host's word wins (a replace-restore cleared it there)
    h.state.currentId.delete('vm-a');
    expect((await getVmSnapshots('vm-a')).currentId).toBeNull();
    expect((await getVmSnapshots('vm-c')).cloneOf).toEqual({
      vmId: 'vm-a',
      vmName: 'n-vm-a',
      snapshotId: 'sn-2',
      snapshotName: 'snap sn-2',
    });
  });

  it('stays readable when the host cannot be asked: no capabilities, the reason instead', async () => {
    const off = await seedHost('h9', { online: false });
    await seedVm(off.id, 'vm-o');
    const dto = await getVmSnapshots('vm-o');
    expect(dto.capabilities).toBeNull();
    expect(dto.capabilitiesError).toMatch(/Host h9 is offline/);
    await expect(getVmSnapshots('vm-zz')).rejects.toMatchObject({ code: 'NO_SUCH_OBJECT' });
  });
});

describe('timeline and stats', () => {
  it('puts backups (not safety points) and snapshots of the VM on one time axis, with what a click offers', async () => {
    await seedVm(h.host.id, 'vm-a');
    await backup('vm-a', h.host.id, 'rp-1', at(1, 1));
    await backup('vm-a', h.host.id, 'rp-2', at(3, 1), 'incremental');
    await backup('vm-a', h.host.id, 'rp-s', at(3, 2), 'safety');
    await backup('vm-b', h.host.id, 'rp-b', at(3, 3));
    await seedSnapshot('vm-a', h.host.id, 'sn-1', { createdAt: at(2), memory: true });
    await db().checkpointGroup.create({ data: { id: 'cg-1', name: 'g', memory: false, vmIds: '["vm-a"]' } });
    await seedSnapshot('vm-a', h.host.id, 'sn-2', { createdAt: at(4), groupId: 'cg-1' });
    const t = await getVmTimeline('vm-a');
    expect(t.points.map((p) => [p.id, p.kind, p.actions])).toEqual([
      ['rp-1', 'backup-full', ['restore']],
      ['sn-1', 'checkpoint', ['revert', 'clone']],
      ['rp-2', 'backup-incremental', ['restore']],
      ['sn-2', 'group-checkpoint', ['revert', 'clone']],
    ]);
    expect(t.points[0]).toMatchObject({ at: at(1, 1).toISOString(), sizeBytes: 500 });
  });

  it('counts points and their size per UTC day and kind over the last N days', async () => {
    await seedVm(h.host.id, 'vm-a');
    await backup('vm-a', h.host.id, 'rp-old', at(1));
    await backup('vm-a', h.host.id, 'rp-1', at(9, 1));
    await backup('vm-a', h.host.id, 'rp-2', at(9, 23));
    await seedSnapshot('vm-a', h.host.id, 'sn-1', { createdAt: at(9, 5) });
    await seedSnapshot('vm-a', h.host.id, 'sn-2', { createdAt: at(10, 5), memory: true });
    await db().checkpointGroup.create({ data: { id: 'cg-1', name: 'g', memory: true, vmIds: '["vm-a"]' } });
    await seedSnapshot('vm-a', h.host.id, 'sn-3', { createdAt: at(10, 6), memory: true, groupId: 'cg-1' });
    const s = await pointStats(3, at(10, 20)); // Dec 8..10
    expect(s).toEqual({
      days: 3,
      rows: [
        { day: '2026-12-09', kind: 'backup', count: 2, sizeBytes: 1000 },
        { day: '2026-12-09', kind: 'snapshot', count: 1, sizeBytes: 1000 },
        { day: '2026-12-10', kind: 'checkpoint', count: 1, sizeBytes: 1000 },
        { day: '2026-12-10', kind: 'group-checkpoint', count: 1, sizeBytes: 1000 },
      ],
    });
  });
});

describe('groups and schedules', () => {
  it('lists groups with members (a deleted member keeps its id, its snapshot null)', async () => {
    await seedVm(h.host.id, 'vm-a');
    await db().checkpointGroup.create({
      data: {
        id: 'cg-1',
        name: 'g',
        memory: true,
        vmIds: '["vm-a","vm-gone"]',
        pauseMs: 42,
        firstStopAt: at(1),
        lastResumeAt: at(1),
      },
    });
    await seedSnapshot('vm-a', h.host.id, 'cg-1-0', { groupId: 'cg-1' });
    expect(await listGroups()).toEqual([
      expect.objectContaining({
        id: 'cg-1',
        pauseMs: 42,
        members: [
          { vmId: 'vm-a', vmName: 'n-vm-a', snapshotId: 'cg-1-0' },
          { vmId: 'vm-gone', vmName: 'vm-gone', snapshotId: null },
        ],
      }),
    ]);
  });

  it('creates, updates and deletes schedules with their next run; names are unique', async () => {
    const input = {
      name: 'hourly',
      enabled: true,
      selector: { vmIds: [], tags: ['web'] },
      memory: false,
      schedule: '0 * * * *',
      timezone: 'UTC',
      keep: 3,
    };
    const s = await createSchedule(operator, input);
    expect(s).toMatchObject({
      name: 'hourly',
      keep: 3,
      scheduleText: 'Every hour (UTC)',
      nextRunAt: expect.any(String),
      lastRunAt: null,
    });
    await expect(createSchedule(operator, input)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await updateSchedule(operator, s.id, { ...input, enabled: false, keep: 5 })).toMatchObject({
      enabled: false,
      keep: 5,
      nextRunAt: null,
    });
    expect(await listSchedules()).toHaveLength(1);
    await deleteSchedule(operator, s.id);
    expect(await listSchedules()).toEqual([]);
    expect((await db().auditEvent.findMany({ orderBy: { id: 'asc' } })).map((a) => `${a.action} ${a.result}`)).toEqual([
      'snapshot-schedule.create succeeded',
      'snapshot-schedule.create denied',
      'snapshot-schedule.update succeeded',
      'snapshot-schedule.delete succeeded',
    ]);
  });
});
