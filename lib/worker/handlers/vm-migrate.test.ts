import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { queueMigration } from '@/lib/domain/migrations/service';
import { admin, seedHost, seedUsers } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { migrateVmHandler } from './vm-migrate';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

describe('vm.migrate handler', () => {
  it('a target that cannot be prepared: the migration fails with the reason, the VM stays running on the source', async () => {
    await seedUsers();
    const h1 = await seedHost('h1');
    const h2 = await seedHost('h2'); // its agent URL answers nothing
    await db().vm.create({ data: { id: 'vm-a', name: 'a', hostId: h1.id, state: 'running', vcpus: 1, memoryMiB: 128, diskSizeBytes: BigInt(1 << 26), diskPath: '/pool/vm-a/disk0.qcow2' } });
    const { taskId, migrationId } = await queueMigration(admin, { vmId: 'vm-a', targetHostId: h2.id, reason: 'manual' });
    const ctx = makeContext(taskId, { id: admin.id, name: admin.username }, false);
    await expect(migrateVmHandler(ctx, { vmId: 'vm-a', migrationId })).rejects.toMatchObject({ code: 'AGENT_UNREACHABLE' });
    const m = await db().migration.findUniqueOrThrow({ where: { id: migrationId } });
    expect(m).toMatchObject({ state: 'failed', error: expect.stringMatching(/h2/) });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({ hostId: h1.id, state: 'running', lastError: expect.stringMatching(/h2/) });
    expect((await db().auditEvent.findMany({ where: { action: 'vm.migrate' } })).map((a) => a.result)).toEqual(['accepted', 'failed']);
  });
});
