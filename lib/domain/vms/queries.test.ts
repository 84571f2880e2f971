import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { seedHost, seedImage } from '@/lib/testing/fixtures';
import { getVm, listVms } from './queries';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

// Past the SQLite driver's bound-parameter limit (999 on many builds): the list must still answer.
const COUNT = 1_200;

beforeAll(async () => {
  const host = await seedHost('h1');
  const image = await seedImage();
  await db().vm.createMany({
    data: Array.from({ length: COUNT }, (_, i) => ({
      id: `vm-${String(i).padStart(5, '0')}`,
      name: `fleet-${String(i).padStart(5, '0')}`,
      hostId: host.id,
      imageId: image.id,
      state: 'running',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 1n << 30n,
      role: i % 100 === 1 ? 'replica' : 'vm',
      replicaOfId: i % 100 === 1 ? `vm-${String(i - 1).padStart(5, '0')}` : null,
    })),
  });
  // An active task on one VM in three hundred; finished ones on others.
  await db().task.createMany({
    data: Array.from({ length: COUNT / 10 }, (_, i) => ({
      kind: 'vm.start',
      title: `task ${i}`,
      targetType: 'vm',
      targetId: `vm-${String(i * 10).padStart(5, '0')}`,
      state: i % 30 === 0 ? 'running' : 'succeeded',
    })),
  });
});

describe('listVms at fleet size', () => {
  it(`lists ${COUNT} VMs with their active tasks and replica names`, async () => {
    const vms = await listVms();
    expect(vms).toHaveLength(COUNT);
    const active = vms.filter((v) => v.activeTaskId !== null).map((v) => v.id);
    expect(active).toEqual(Array.from({ length: COUNT / 300 }, (_, i) => `vm-${String(i * 300).padStart(5, '0')}`));
    expect(vms.find((v) => v.id === 'vm-00101')).toMatchObject({ role: 'replica', replicaOfName: 'fleet-00100' });
    expect((await getVm('vm-00000')).activeTaskId).toBe(active.length ? vms[0].activeTaskId : null);
  });
});
