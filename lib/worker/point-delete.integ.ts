// Deleting one restore point on real QEMU: three points of a running guest (full A, incremental
// B, incremental C), then B is deleted through the service and the worker: refused without
// merge (C depends on it), merged into C with it; C then verifies (files and manifests match the
// rows) and a copy restore of C holds exactly the guest's records.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestPathOf } from '@/lib/agent-protocol/backup';
import { ask, guestBoot, records, waitGuestReady } from '@/lib/testing/guest';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { createJob, runJobNow } from '@/lib/domain/backups/jobs';
import { createRepository } from '@/lib/domain/backups/repositories';
import { deleteRestorePoint, verifyRestorePoint } from '@/lib/domain/backups/restore-points';
import { createJobSchema } from '@/lib/domain/backups/schemas';
import { createVm } from '@/lib/domain/vms/service';
import { parseInput } from '@/lib/http/validation';
import { admin, operator } from '@/lib/testing/fixtures';
import { useCluster } from '@/lib/testing/cluster';
import { manifestOf, pointsOf } from '@/lib/testing/backups';
import { succeeded } from '@/lib/testing/tasks';

const env = useCluster(['d1']);

describe('deleting one restore point (real QEMU)', () => {
  it('merges a middle incremental into its successor; the last point still verifies and restores the guest data', async () => {
    const client = env.host.d1.client;
    const { taskId, vmId } = await createVm(admin, {
      name: 'pd-a',
      imageId: env.imageId,
      hostId: env.host.d1.hostId,
      vcpus: 1,
      memoryMiB: 128,
      diskSizeGiB: 0.0625,
      haEnabled: false,
      tags: [],
    });
    await succeeded(taskId);
    await waitGuestReady(client, vmId);
    const repo = await createRepository(admin, {
      name: 'main',
      kind: 'shared',
      hostId: null,
      path: path.join(env.cluster.sharedDir, 'backups'),
      create: true,
    });
    const job = await createJob(
      admin,
      parseInput(createJobSchema, {
        name: 'nightly',
        repositoryId: repo.id,
        selector: { vmIds: [vmId], tags: [] },
        schedule: '0 2 * * *',
        timezone: 'UTC',
        retention: { keepLast: 10 },
      }),
    );
    for (const [n, seq] of [
      [5, 5],
      [4, 9],
      [2, 11],
    ]) {
      await ask(client, vmId, `write ${n}`, new RegExp(`^VMOPS-OK seq=${seq}$`));
      await succeeded((await runJobNow(admin, job.id)).taskId);
    }
    const [a, b, c] = await pointsOf(vmId);
    expect([a.kind, b.kind, c.kind]).toEqual(['full', 'incremental', 'incremental']);
    expect([b.parentId, c.parentId]).toEqual([a.id, b.id]);

    await expect(deleteRestorePoint(operator, b.id, { merge: true })).rejects.toMatchObject({ status: 403 });
    await expect(deleteRestorePoint(admin, b.id, { merge: false })).rejects.toMatchObject({
      status: 409,
      data: { dependants: [c.id] },
    });
    const t0 = Date.now();
    const task = await succeeded((await deleteRestorePoint(admin, b.id, { merge: true })).taskId);
    console.log(
      `deleted ${b.id} (merged into ${c.id}) in ${Date.now() - t0} ms:\n${task.steps!.map((s) => s.message).join('\n')}`,
    );

    const after = await pointsOf(vmId);
    expect(after.map((p) => [p.id, p.parentId, p.kind])).toEqual([
      [a.id, null, 'full'],
      [c.id, a.id, 'incremental'],
    ]);
    expect(existsSync(b.filePath) || existsSync(manifestPathOf(b.filePath))).toBe(false);
    const merged = after[1];
    expect(manifestOf(merged.filePath)).toMatchObject({
      pointId: c.id,
      parent: path.basename(a.filePath),
      sha256: merged.sha256,
      sizeBytes: merged.sizeBytes,
    });
    expect(
      await db().auditEvent.findFirst({
        where: { action: 'restore-point.delete', result: 'succeeded', targetId: b.id },
      }),
    ).not.toBeNull();

    // Verify re-hashes the chain A <- C and compares each manifest with its row.
    await succeeded((await verifyRestorePoint(admin, c.id, { boot: false })).taskId);
    expect((await pointsOf(vmId))[1]).toMatchObject({ id: c.id, verifyState: 'ok' });
    const op = await client.restoreVm({
      vm: { id: 'pd-restored', name: 'pd-restored', vcpus: 1, memoryMiB: 128, pool: 'local', boot: guestBoot() },
      sourcePath: merged.filePath,
      mode: 'copy',
      start: true,
    });
    await waitForOperation(client, op.id);
    await waitGuestReady(client, 'pd-restored');
    expect(await records(client, 'pd-restored')).toBe('VMOPS-RECORDS first=1 last=11 count=11 gaps=0');
    await client.deleteVm('pd-restored');
  });
});
