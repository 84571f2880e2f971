import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '@/lib/testing/test-db';
import { admin, operator, seedHost, seedImage, seedUsers, viewer } from '@/lib/testing/fixtures';
import { db } from '@/lib/db/client';
import { createVm, deleteVm, runVmAction } from './service';
import type { CreateVm } from './schemas';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const input = (over: Partial<CreateVm> = {}): CreateVm => ({
  name: 'web-1',
  imageId: '',
  hostId: 'auto',
  vcpus: 1,
  memoryMiB: 512,
  diskSizeGiB: 1,
  haEnabled: false,
  tags: [],
  ...over,
});

beforeEach(async () => {
  await db().taskStep.deleteMany();
  await db().task.deleteMany();
  await db().vm.deleteMany();
  await db().auditEvent.deleteMany();
  await db().image.deleteMany();
  await db().host.deleteMany();
  await db().user.deleteMany();
  await seedUsers();
});

describe('createVm', () => {
  it('places on the host with most free memory, registers the VM and queues a task', async () => {
    await seedHost('h1', { freeGiB: 2 });
    const h2 = await seedHost('h2', { freeGiB: 6 });
    const image = await seedImage();
    const r = await createVm(operator, input({ imageId: image.id }));
    const vm = await db().vm.findUniqueOrThrow({ where: { id: r.vmId } });
    expect(vm).toMatchObject({ hostId: h2.id, state: 'provisioning', diskSizeBytes: BigInt(1024 ** 3) });
    const task = await db().task.findUniqueOrThrow({ where: { id: r.taskId } });
    expect(task).toMatchObject({ kind: 'vm.create', state: 'queued', targetId: r.vmId, createdByName: 'olga' });
    const audit = await db().auditEvent.findMany();
    expect(audit.map((a) => [a.action, a.result])).toEqual([['vm.create', 'accepted']]);
  });

  it("places in the image's site only; a named host of another site is 409 with the reason", async () => {
    const m1 = await seedHost('m1', { freeGiB: 2 });
    const dr1 = await db().host.update({
      where: { id: (await seedHost('dr1', { freeGiB: 12 })).id },
      data: { site: 'dr' },
    });
    const image = await seedImage();
    const r = await createVm(operator, input({ imageId: image.id }));
    expect(await db().vm.findUniqueOrThrow({ where: { id: r.vmId } })).toMatchObject({ hostId: m1.id });
    await expect(createVm(operator, input({ name: 'web-2', imageId: image.id, hostId: dr1.id }))).rejects.toMatchObject(
      {
        code: 'CONFLICT',
        status: 409,
        message: 'Image tiny-linux 1.0 lives in site main; host dr1 is in site dr',
      },
    );
    const drImage = await db().image.update({ where: { id: image.id }, data: { site: 'dr' } });
    const d = await createVm(operator, input({ name: 'web-3', imageId: drImage.id }));
    expect(await db().vm.findUniqueOrThrow({ where: { id: d.vmId } })).toMatchObject({ hostId: dr1.id });
    await db().host.update({ where: { id: dr1.id }, data: { lastHeartbeat: new Date(0) } });
    await expect(createVm(operator, input({ name: 'web-4', imageId: drImage.id }))).rejects.toMatchObject({
      code: 'NO_HOST_AVAILABLE',
      message: expect.stringContaining('no host of site dr is online'),
    });
  });

  it("refuses less memory than the image's declared minimum with a 422 on memoryMiB naming it", async () => {
    await seedHost('h1', { freeGiB: 4 });
    const image = await db().image.update({ where: { id: (await seedImage()).id }, data: { minMemoryMiB: 96 } });
    await expect(createVm(admin, input({ imageId: image.id, memoryMiB: 64 }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 422,
      data: { fields: { memoryMiB: ['Image tiny-linux 1.0 needs at least 96 MiB'] } },
    });
    expect(await db().vm.count()).toBe(0);
    await createVm(admin, input({ imageId: image.id, memoryMiB: 96 }));
    expect(await db().vm.count()).toBe(1);
  });

  it('refuses a viewer with 403 and audits the attempt', async () => {
    const image = await seedImage();
    await seedHost('h1');
    await expect(createVm(viewer, input({ imageId: image.id }))).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
    });
    expect(await db().vm.count()).toBe(0);
    expect((await db().auditEvent.findFirstOrThrow()).result).toBe('denied');
  });

  it('answers 409 with the numbers when the chosen host lacks memory', async () => {
    const h = await seedHost('h1', { freeGiB: 1 });
    const image = await seedImage();
    await expect(createVm(admin, input({ imageId: image.id, hostId: h.id, memoryMiB: 4096 }))).rejects.toMatchObject({
      code: 'INSUFFICIENT_CAPACITY',
      status: 409,
      data: { host: 'h1', neededMiB: 4096, freeMiB: 1024 },
    });
  });

  it('answers 404 for an unknown image or host, 503 for an offline host, 409 for a duplicate name', async () => {
    const image = await seedImage();
    const off = await seedHost('h-off', { online: false });
    await seedHost('h1');
    await expect(createVm(admin, input({ imageId: 'nope' }))).rejects.toMatchObject({ status: 404 });
    await expect(createVm(admin, input({ imageId: image.id, hostId: 'nope' }))).rejects.toMatchObject({ status: 404 });
    await expect(createVm(admin, input({ imageId: image.id, hostId: off.id }))).rejects.toMatchObject({
      code: 'HOST_OFFLINE',
      status: 503,
    });
    await createVm(admin, input({ imageId: image.id }));
    await expect(createVm(admin, input({ imageId: image.id }))).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      status: 409,
    });
  });

  it('never places on a host in maintenance: auto skips it, naming it is a 409', async () => {
    const image = await seedImage();
    const maint = await seedHost('h-maint', { freeGiB: 12 });
    const h1 = await seedHost('h1', { freeGiB: 2 });
    await db().host.update({ where: { id: maint.id }, data: { maintenance: true } });
    await expect(createVm(admin, input({ imageId: image.id, hostId: maint.id }))).rejects.toMatchObject({
      code: 'CONFLICT',
      status: 409,
      data: { maintenance: true },
    });
    const r = await createVm(admin, input({ imageId: image.id }));
    expect((await db().vm.findUniqueOrThrow({ where: { id: r.vmId } })).hostId).toBe(h1.id);
  });

  it('counts VMs still provisioning so two quick creates cannot overbook a host', async () => {
    await seedHost('h1', { freeGiB: 1 });
    const image = await seedImage();
    await createVm(admin, input({ imageId: image.id, name: 'a-vm', memoryMiB: 800 }));
    await expect(createVm(admin, input({ imageId: image.id, name: 'b-vm', memoryMiB: 800 }))).rejects.toMatchObject({
      code: 'NO_HOST_AVAILABLE',
    });
  });
});

describe('runVmAction and deleteVm', () => {
  it('refuses actions from the wrong power state and while a task is running', async () => {
    await seedHost('h1');
    const image = await seedImage();
    const { vmId } = await createVm(admin, input({ imageId: image.id }));
    await expect(runVmAction(admin, vmId, 'start')).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    await db().task.updateMany({ data: { state: 'succeeded' } });
    await db().vm.update({ where: { id: vmId }, data: { state: 'running' } });
    await expect(runVmAction(admin, vmId, 'start')).rejects.toMatchObject({
      code: 'VM_BAD_POWER_STATE',
      data: { actual: 'running' },
    });
    const { taskId } = await runVmAction(operator, vmId, 'stop');
    expect((await db().vm.findUniqueOrThrow({ where: { id: vmId } })).state).toBe('stopping');
    expect((await db().task.findUniqueOrThrow({ where: { id: taskId } })).kind).toBe('vm.stop');
    await expect(deleteVm(viewer, vmId)).rejects.toMatchObject({ status: 403 });
    await expect(runVmAction(admin, 'vm-missing', 'stop')).rejects.toMatchObject({ status: 404 });
  });
});
