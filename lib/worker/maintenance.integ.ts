// Maintenance mode through the dashboard on real QEMU: entering evacuates the host's running VMs
// by live migration (the guests keep answering), leaving with bringBack moves them home again.
import { describe, expect, it } from 'vitest';
import { ask } from '@/lib/testing/guest';
import { db } from '@/lib/db/client';
import { setHostMaintenance } from '@/lib/domain/hosts/maintenance';
import { getHost } from '@/lib/domain/hosts/queries';
import { listMigrations } from '@/lib/domain/migrations/queries';
import { createVm, runVmAction } from '@/lib/domain/vms/service';
import { admin } from '@/lib/testing/fixtures';
import { useCluster, type ClusterHost } from '@/lib/testing/cluster';
import { settled } from '@/lib/testing/tasks';
import { sleep } from '@/lib/wait-for';

const env = useCluster(['m1', 'm2']);

async function guestOn(host: ClusterHost, name: string) {
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
  const t = await settled(taskId);
  expect(t.state, t.error?.message).toBe('succeeded');
  return vmId;
}

const seqOf = async (host: ClusterHost, vmId: string) =>
  Number(/seq=(\d+)/.exec(await ask(host.client, vmId, 'status', /^VMOPS-STATUS .* burn=\d$/))![1]);

describe('host maintenance (real QEMU)', () => {
  it('evacuates two running VMs live, keeps a stopped one, and brings them back on exit', async () => {
    const a = await guestOn(env.host.m1, 'maint-a');
    const b = await guestOn(env.host.m1, 'maint-b');
    const c = await guestOn(env.host.m1, 'maint-c');
    const stop = await settled((await runVmAction(admin, c, 'force-stop')).taskId);
    expect(stop.state).toBe('succeeded');
    for (const id of [a, b]) await ask(env.host.m1.client, id, 'write 3', /^VMOPS-OK seq=3$/);

    const t0 = Date.now();
    const enter = await settled(
      (await setHostMaintenance(admin, env.host.m1.hostId, { enabled: true })).taskId,
      600_000,
    );
    expect(enter.state, enter.error?.message).toBe('succeeded');
    console.log(`evacuated 2 VMs in ${Date.now() - t0} ms`);
    expect(enter.steps!.map((s) => s.message).join('\n')).toMatch(/maint-c is stopped: it stays/);
    const host = await getHost(env.host.m1.hostId);
    expect(host).toMatchObject({ maintenance: true, status: 'online' });
    expect(new Set(host.evacuatedVmIds)).toEqual(new Set([a, b]));
    for (const id of [a, b]) {
      expect(await db().vm.findUniqueOrThrow({ where: { id } })).toMatchObject({
        hostId: env.host.m2.hostId,
        state: 'running',
      });
      expect(await seqOf(env.host.m2, id)).toBe(3); // the guest kept its memory and disk: same records
      await ask(env.host.m2.client, id, 'write 1', /^VMOPS-OK seq=4$/);
      expect((await listMigrations({ vmId: id, limit: 5 }))[0]).toMatchObject({
        reason: 'maintenance',
        state: 'succeeded',
        sourceHostName: 'm1',
        targetHostName: 'm2',
      });
    }
    expect((await db().vm.findUniqueOrThrow({ where: { id: c } })).hostId).toBe(env.host.m1.hostId);
    // Several heartbeats later it is still in maintenance.
    await sleep(2500);
    expect((await getHost(env.host.m1.hostId)).maintenance).toBe(true);

    const exit = await settled(
      (await setHostMaintenance(admin, env.host.m1.hostId, { enabled: false, bringBack: true })).taskId,
      600_000,
    );
    expect(exit.state, exit.error?.message).toBe('succeeded');
    expect(await getHost(env.host.m1.hostId)).toMatchObject({ maintenance: false, evacuatedVmIds: [] });
    for (const id of [a, b]) {
      expect(await db().vm.findUniqueOrThrow({ where: { id } })).toMatchObject({
        hostId: env.host.m1.hostId,
        state: 'running',
      });
      await ask(env.host.m1.client, id, 'read', /^VMOPS-RECORDS first=1 last=4 count=4 gaps=0$/);
    }
  });
});
