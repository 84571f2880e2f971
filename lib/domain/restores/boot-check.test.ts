import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RestoreVmRequest } from '@/lib/agent-protocol/restore';
import { db } from '@/lib/db/client';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { bootCheck, pickBootPool } from './boot-check';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const GiB = BigInt(1024 ** 3);
const pool = (name: string, kind: 'local' | 'shared', freeGiB: number) => ({
  name,
  kind,
  freeBytes: BigInt(freeGiB) * GiB,
});

describe('pickBootPool', () => {
  it('takes a pool with room for the disk, local before shared, then the most free space', () => {
    expect(
      pickBootPool([pool('shared', 'shared', 50), pool('nvme', 'local', 10), pool('sata', 'local', 20)], 5n * GiB),
    ).toBe('sata');
    expect(pickBootPool([pool('shared', 'shared', 50), pool('nvme', 'local', 2)], 5n * GiB)).toBe('shared');
    expect(pickBootPool([pool('shared', 'shared', 3), pool('nvme', 'local', 2)], 5n * GiB)).toBe('nvme'); // none fits: the agent says 507
    expect(pickBootPool([], 1n)).toBeNull();
  });
});

describe('bootCheck', () => {
  let agent: FakeAgent;
  afterEach(() => agent.close());

  it('runs the temporary VM in a pool its host reported, not one named "local", and deletes it', async () => {
    agent = await startFakeAgent({
      'POST /v1/restores': () => fakeOperation('op-b', { state: 'running', progress: 0 }),
      'GET /v1/operations/:id': (_b, p) =>
        fakeOperation(p.id, {
          result: p.id === 'op-del' ? null : { runningAfterMs: 100, totalMs: 200, diskPath: '/d' },
        }),
      'GET /v1/vms/:id': (_b, p) => ({
        id: p.id,
        name: p.id,
        state: 'running',
        pid: 1,
        pool: 'fast',
        diskPath: '/d',
        startedAt: null,
        vcpus: 1,
        memoryMiB: 128,
        accelerator: 'tcg',
        guestReady: true,
      }),
      'DELETE /v1/vms/:id': () => fakeOperation('op-del'),
    });
    const host = await seedFakeAgentHost('h1', agent);
    for (const p of [pool('fast', 'local', 40), pool('shared', 'shared', 90)]) {
      await db().storagePool.create({
        data: {
          hostId: host.id,
          name: p.name,
          kind: p.kind,
          path: `/${p.name}`,
          totalBytes: p.freeBytes,
          freeBytes: p.freeBytes,
        },
      });
    }
    const point = await db().restorePoint.create({
      data: {
        vmId: 'vm-a',
        vmName: 'a',
        hostId: host.id,
        kind: 'full',
        chainId: 'c1',
        filePath: '/backups/a/rp-0123456789ab.qcow2',
        sha256: 'a'.repeat(64),
        sizeBytes: 1n,
        virtualSizeBytes: 2n * GiB,
        takenAt: new Date(),
        vmSpec: JSON.stringify({ vcpus: 1, memoryMiB: 128, boot: { kernelPath: '/img/vmlinux' } }),
      },
    });
    const r = await bootCheck(point.id);
    expect(r).toMatchObject({ ok: true });
    const [req] = agent.callsTo('POST /v1/restores').map((c) => c.body as RestoreVmRequest);
    expect(req).toMatchObject({ vm: { pool: 'fast' }, sourcePath: point.filePath, mode: 'instant' });
    expect(agent.callsTo('DELETE /v1/vms/:id').map((c) => c.params.id)).toEqual([req.vm.id]);

    await db().storagePool.deleteMany();
    await expect(bootCheck(point.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'Host h1 has reported no storage pool to run a boot check in',
    });
  });
});
