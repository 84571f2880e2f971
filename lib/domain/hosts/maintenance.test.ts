import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '@/lib/agent-protocol/core';
import { createTestDb } from '@/lib/testing/test-db';
import { admin, operator, seedHost, seedImage, seedUsers } from '@/lib/testing/fixtures';
import { db } from '@/lib/db/client';
import { createVm } from '@/lib/domain/vms/service';
import { heartbeatsOf } from '@/lib/testing/heartbeats';
import { setHostMaintenance } from './maintenance';
import { getHost } from './queries';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

beforeEach(async () => {
  for (const t of [
    'taskStep',
    'task',
    'metricSample',
    'vm',
    'auditEvent',
    'image',
    'storagePool',
    'host',
    'user',
  ] as const)
    await (db()[t] as { deleteMany(): Promise<unknown> }).deleteMany();
  await seedUsers();
});

const info: AgentInfo = {
  hostName: 'h1',
  site: 'main',
  agentVersion: '0.1.0',
  driver: 'qemu',
  qemuVersion: '7.2.0',
  accelerator: 'tcg',
  acceleratorReason: '',
  cpuCount: 2,
  cpuModel: 'x',
  memoryTotalBytes: 16 * 1024 ** 3,
  kernel: '6.1',
  pools: [],
};

describe('host maintenance', () => {
  it('entering needs host.manage, sets maintenance, queues the evacuation and audits', async () => {
    const h = await seedHost('h1');
    await expect(setHostMaintenance(operator, h.id, { enabled: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
    });
    const { taskId } = await setHostMaintenance(admin, h.id, { enabled: true });
    expect(await db().task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({
      kind: 'host.evacuate',
      targetId: h.id,
      state: 'queued',
    });
    expect(await getHost(h.id)).toMatchObject({ maintenance: true, status: 'online', evacuatedVmIds: [] });
    expect((await getHost(h.id)).maintenanceSince).not.toBeNull();
    await expect(setHostMaintenance(admin, h.id, { enabled: true })).rejects.toMatchObject({ status: 409 });
    expect((await db().auditEvent.findMany()).map((a) => [a.action, a.result])).toEqual([
      ['host.maintenance.enter', 'denied'],
      ['host.maintenance.enter', 'accepted'],
    ]);
  });

  it('a heartbeat never clears maintenance', async () => {
    const h = await seedHost('h1');
    await db().host.update({ where: { id: h.id }, data: { maintenance: true, maintenanceSince: new Date() } });
    await (
      await heartbeatsOf(h.id)
    )({
      at: new Date().toISOString(),
      info,
      host: { cpuPct: 1, memUsedBytes: 1, memTotalBytes: 2, load1: 0, load5: 0, load15: 0 },
      vms: [],
    });
    expect(await getHost(h.id)).toMatchObject({ maintenance: true, status: 'online' });
  });

  it('new VMs are never placed on a host in maintenance', async () => {
    const big = await seedHost('big', { freeGiB: 12 });
    const small = await seedHost('small', { freeGiB: 2 });
    await db().host.update({ where: { id: big.id }, data: { maintenance: true } });
    const image = await seedImage();
    const r = await createVm(admin, {
      name: 'new-1',
      imageId: image.id,
      hostId: 'auto',
      vcpus: 1,
      memoryMiB: 256,
      diskSizeGiB: 1,
      haEnabled: false,
      tags: [],
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: r.vmId } })).hostId).toBe(small.id);
  });

  it('leaving clears maintenance at once; bringBack hands the evacuated VMs to the task, otherwise they are forgotten', async () => {
    const h = await seedHost('h1');
    await db().host.update({
      where: { id: h.id },
      data: { maintenance: true, maintenanceSince: new Date(), evacuatedVmIds: JSON.stringify(['vm-a', 'vm-b']) },
    });
    const back = await setHostMaintenance(admin, h.id, { enabled: false, bringBack: true });
    const task = await db().task.findUniqueOrThrow({ where: { id: back.taskId } });
    expect(task.kind).toBe('host.bring-back');
    expect(JSON.parse(task.payload)).toEqual({ hostId: h.id, vmIds: ['vm-a', 'vm-b'] });
    expect(await getHost(h.id)).toMatchObject({ maintenance: false, maintenanceSince: null });
    await expect(setHostMaintenance(admin, h.id, { enabled: false })).rejects.toMatchObject({ status: 409 });

    await db().task.deleteMany();
    await db().host.update({
      where: { id: h.id },
      data: { maintenance: true, evacuatedVmIds: JSON.stringify(['vm-a']) },
    });
    const stay = await setHostMaintenance(admin, h.id, { enabled: false });
    expect(JSON.parse((await db().task.findUniqueOrThrow({ where: { id: stay.taskId } })).payload)).toEqual({
      hostId: h.id,
      vmIds: [],
    });
    expect((await getHost(h.id)).evacuatedVmIds).toEqual([]);
  });
});
