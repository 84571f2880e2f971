// Snapshots and checkpoints through the dashboard: services + the real worker runner + two real
// agents (QEMU, TCG). The test guest writes numbered records to its disk; a checkpoint revert must
// bring back the guest as it was (records and memory: the sequence it remembers, uptime counting
// on from the checkpoint, not a boot); a disk snapshot revert boots on exactly the records up to
// it; a group checkpoint of 3 VMs on two hosts restores all three to the same instant.
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createGroupCheckpoint, restoreGroup } from '@/lib/domain/snapshots/groups';
import { createSchedule, enqueueScheduleRun } from '@/lib/domain/snapshots/schedules';
import { getVmSnapshots, getVmTimeline } from '@/lib/domain/snapshots/queries';
import {
  cloneFromSnapshot,
  deleteSnapshot,
  detachClone,
  revertSnapshot,
  takeSnapshot,
} from '@/lib/domain/snapshots/service';
import { createVm, deleteVm } from '@/lib/domain/vms/service';
import { useCluster, type ClusterHost } from '@/lib/testing/cluster';
import { admin } from '@/lib/testing/fixtures';
import { ask, records } from '@/lib/testing/guest';
import { succeeded } from '@/lib/testing/tasks';

const numbers: Record<string, unknown> = {};
const env = useCluster(['s1', 's2'], { afterAll: () => console.log('snapshot numbers:', JSON.stringify(numbers)) });

const hostOf = async (vmId: string) => {
  const vm = await db().vm.findUniqueOrThrow({ where: { id: vmId } });
  return env.cluster.hosts.find((h) => h.hostId === vm.hostId)!;
};

async function guestOn(host: ClusterHost, name: string): Promise<string> {
  const { taskId, vmId } = await createVm(admin, {
    name,
    imageId: env.imageId,
    hostId: host.hostId,
    vcpus: 1,
    memoryMiB: 128,
    diskSizeGiB: 0.0625,
    haEnabled: false,
    tags: [],
  });
  await succeeded(taskId);
  return vmId;
}

const write = async (vmId: string, n: number) =>
  Number((await ask((await hostOf(vmId)).client, vmId, `write ${n}`, /^VMOPS-OK seq=\d+$/)).split('=')[1]);
const status = async (vmId: string) => {
  const line = await ask((await hostOf(vmId)).client, vmId, 'status', /^VMOPS-STATUS uptime=[\d.]+ seq=\d+ burn=\d$/);
  return { uptime: Number(/uptime=([\d.]+)/.exec(line)![1]), seq: Number(/seq=(\d+)/.exec(line)![1]) };
};
const recordsOf = async (vmId: string) => records((await hostOf(vmId)).client, vmId);

describe('snapshots and checkpoints through the dashboard (real QEMU)', () => {
  let solo: string;
  let disk8: string;
  let g2: string;

  it('checkpoint with memory, more writes, revert: the guest continues from the checkpoint (not a boot)', async () => {
    solo = await guestOn(env.host.s1, 'snap-solo');
    expect(await write(solo, 5)).toBe(5);
    const before = await status(solo);
    const { taskId, snapshotId } = await takeSnapshot(admin, solo, { name: 'cp-5', memory: true });
    const took = await succeeded(taskId);
    const row = await db().snapshot.findUniqueOrThrow({ where: { id: snapshotId } });
    expect(row).toMatchObject({ vmId: solo, memory: true, wasRunning: true, parentId: null });
    expect(Number(row.stateBytes)).toBeGreaterThan(0);
    expect((await db().vm.findUniqueOrThrow({ where: { id: solo } })).currentSnapshotId).toBe(snapshotId);
    expect(await write(solo, 5)).toBe(10);
    const beforeRevert = await status(solo);

    const revert = await revertSnapshot(admin, solo, snapshotId);
    const t = await succeeded(revert.taskId);
    const after = await status(solo);
    expect(t.result).toMatchObject({ resumedFromMemory: true, state: 'running' });
    expect(after.seq).toBe(5); // the sequence the guest had in memory at the checkpoint
    // Uptime counts on from the checkpoint: at least what it was then, less than before the revert.
    expect(after.uptime).toBeGreaterThanOrEqual(before.uptime);
    expect(after.uptime).toBeLessThan(beforeRevert.uptime);
    await expect(recordsOf(solo)).resolves.toBe('VMOPS-RECORDS first=1 last=5 count=5 gaps=0');
    const vm = await db().vm.findUniqueOrThrow({ where: { id: solo } });
    expect(vm).toMatchObject({ state: 'running', currentSnapshotId: snapshotId });
    numbers.checkpoint = {
      pauseMs: row.pauseMs,
      downtimeMs: row.downtimeMs,
      stateBytes: Number(row.stateBytes),
      takeTaskMs: took.finishedAt && took.startedAt ? Date.parse(took.finishedAt) - Date.parse(took.startedAt) : null,
      revertMs: (t.result as { revertMs: number }).revertMs,
    };
  });

  it('disk snapshot, more writes, revert: the VM boots on exactly the records up to the snapshot; the tree branches', async () => {
    expect(await write(solo, 3)).toBe(8);
    const { taskId, snapshotId } = await takeSnapshot(admin, solo, { name: 'disk-8', memory: false });
    await succeeded(taskId);
    disk8 = snapshotId;
    expect(await write(solo, 4)).toBe(12);
    const t = await succeeded((await revertSnapshot(admin, solo, snapshotId)).taskId);
    expect(t.result).toMatchObject({ resumedFromMemory: false, state: 'running' });
    await expect(recordsOf(solo)).resolves.toBe('VMOPS-RECORDS first=1 last=8 count=8 gaps=0');
    expect((await status(solo)).seq).toBe(8); // a boot: the sequence comes back from the disk
    const tree = await getVmSnapshots(solo);
    expect(tree.currentId).toBe(snapshotId);
    expect(tree.snapshots.map((s) => [s.name, s.kind])).toEqual([
      ['cp-5', 'checkpoint'],
      ['disk-8', 'snapshot'],
    ]);
    expect(tree.snapshots[1].parentId).toBe(tree.snapshots[0].id);
    expect((await getVmTimeline(solo)).points.map((p) => p.kind)).toEqual(['checkpoint', 'snapshot']);
  });

  it('group checkpoint of 3 VMs on two hosts: one instant, restored on all three (records checked on each)', async () => {
    g2 = await guestOn(env.host.s2, 'snap-g2');
    const g3 = await guestOn(env.host.s2, 'snap-g3');
    const members = [solo, g2, g3];
    const at: Record<string, number> = {
      [solo]: await write(solo, 2),
      [g2]: await write(g2, 4),
      [g3]: await write(g3, 6),
    };
    expect(Object.values(at)).toEqual([10, 4, 6]);
    const { taskId, groupId } = await createGroupCheckpoint(admin, { name: 'app tier', memory: true, vmIds: members });
    await succeeded(taskId);
    const group = await db().checkpointGroup.findUniqueOrThrow({ where: { id: groupId } });
    expect(group.pauseMs).toBeGreaterThanOrEqual(0);
    expect(await db().snapshot.count({ where: { groupId } })).toBe(3);
    for (const vm of members) await write(vm, 7);

    await succeeded((await restoreGroup(admin, groupId)).taskId);
    for (const vm of members) {
      expect((await status(vm)).seq, vm).toBe(at[vm]);
      await expect(recordsOf(vm)).resolves.toBe(`VMOPS-RECORDS first=1 last=${at[vm]} count=${at[vm]} gaps=0`);
      expect(await db().vm.findUniqueOrThrow({ where: { id: vm } })).toMatchObject({
        state: 'running',
        currentSnapshotId: expect.stringMatching(new RegExp(`^${groupId}-`)),
      });
    }
    numbers.group3 = {
      pauseMs: group.pauseMs,
      members: (await db().snapshot.findMany({ where: { groupId } })).map((s) => ({
        pauseMs: s.pauseMs,
        downtimeMs: s.downtimeMs,
      })),
      // the agents' own account: until the capture call vs capturing
      agents: env.cluster.hosts.flatMap((h) =>
        h.log.lines.filter((l) => l.includes(`group ${groupId} paused`)).map((l) => l.slice(l.indexOf('VM '))),
      ),
    };
  });

  it('linked clone of a snapshot boots on it and diverges without touching the parent; both refuse deletion until it is made independent', async () => {
    const parentRecords = await recordsOf(solo);
    const { taskId, vmId: clone } = await cloneFromSnapshot(admin, solo, disk8, { name: 'snap-clone', start: true });
    await succeeded(taskId);
    expect(await db().vm.findUniqueOrThrow({ where: { id: clone } })).toMatchObject({
      state: 'running',
      hostId: env.host.s1.hostId,
      cloneOfSnapshotId: disk8,
    });
    await expect(recordsOf(clone)).resolves.toBe('VMOPS-RECORDS first=1 last=8 count=8 gaps=0');
    expect(await write(clone, 5)).toBe(13);
    await expect(recordsOf(solo)).resolves.toBe(parentRecords);
    await expect(deleteSnapshot(admin, solo, disk8)).rejects.toMatchObject({
      code: 'POINT_IN_USE',
      data: { clones: [{ vmId: clone, vmName: 'snap-clone' }] },
    });
    await expect(deleteVm(admin, solo)).rejects.toMatchObject({ code: 'POINT_IN_USE' });
    expect((await getVmSnapshots(solo)).snapshots.find((s) => s.id === disk8)!.clones).toEqual([
      { vmId: clone, vmName: 'snap-clone' },
    ]);

    const detach = await succeeded((await detachClone(admin, clone)).taskId);
    expect((await db().vm.findUniqueOrThrow({ where: { id: clone } })).cloneOfSnapshotId).toBeNull();
    await expect(recordsOf(clone)).resolves.toBe('VMOPS-RECORDS first=1 last=13 count=13 gaps=0');
    // Now the snapshot can go (merged into its one child, live); the parent keeps every record.
    await succeeded((await deleteSnapshot(admin, solo, disk8)).taskId);
    expect(await db().snapshot.findUnique({ where: { id: disk8 } })).toBeNull();
    await expect(recordsOf(solo)).resolves.toBe(parentRecords);
    numbers.clone = {
      detachTaskMs:
        detach.finishedAt && detach.startedAt ? Date.parse(detach.finishedAt) - Date.parse(detach.startedAt) : null,
    };
  });

  it('a snapshot schedule run takes a snapshot per VM and prunes beyond keep N (a live merge), the guest keeps every record', async () => {
    const schedule = await createSchedule(admin, {
      name: 'every-minute',
      enabled: false,
      selector: { vmIds: [g2], tags: [] },
      memory: false,
      schedule: '* * * * *',
      timezone: 'UTC',
      keep: 1,
    });
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const seq = await write(g2, n);
      const t = await succeeded(
        await enqueueScheduleRun({ id: schedule.id, name: schedule.name }, { id: admin.id, name: admin.username }),
      );
      const [o] = (t.result as { outcomes: { snapshotId: string; pruned: number; error: string | null }[] }).outcomes;
      expect(o).toMatchObject({ error: null, pruned: n - 1 });
      ids.push(o.snapshotId);
      expect((await recordsOf(g2)).endsWith(`last=${seq} count=${seq} gaps=0`)).toBe(true);
    }
    expect((await db().snapshot.findMany({ where: { scheduleId: schedule.id } })).map((s) => s.id)).toEqual([ids[1]]);
    expect((await getVmSnapshots(g2)).currentId).toBe(ids[1]);
  });
});
