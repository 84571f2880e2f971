import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { createJob as createBackupJob } from '@/lib/domain/backups/jobs';
import { createJobSchema } from '@/lib/domain/backups/schemas';
import { enqueueMigration } from '@/lib/domain/migrations/service';
import { takeSnapshot } from '@/lib/domain/snapshots/service';
import { runVmAction } from '@/lib/domain/vms/service';
import { useDrAgents } from '@/lib/testing/dr-agents';
import { admin, operator } from '@/lib/testing/fixtures';
import { runHandler } from '@/lib/testing/snapshot-agent';
import { createPlan } from './plans';
import { createJob } from './service';

// What disaster recovery forbids of the ordinary VM features (lib/domain/dr/roles.ts, vm-rules.ts).
const h = useDrAgents();
const protect = () =>
  createJob(operator, { vmId: 'vm-a', targetHostId: h.hosts.dr1.id, intervalSec: 30, keepPoints: 4 });
const task = (kind: string, targetType: string, targetId: string, title: string) =>
  db().task.create({ data: { kind, title, targetType, targetId, state: 'running' } });

describe('DR guards', () => {
  it('refuses starting a VM while a failover or switch back of its job (or a plan run holding it) is active', async () => {
    const job = await protect();
    await db().vm.update({ where: { id: 'vm-a' }, data: { state: 'stopped' } });
    // A replication run does not hold a start back.
    await task('replication.run', 'dr-job', job.id, 'Replicate VM web');
    expect((await runVmAction(admin, 'vm-a', 'start')).taskId).toBeTruthy();
    await db().task.deleteMany({});
    await db().vm.update({ where: { id: 'vm-a' }, data: { state: 'stopped' } });
    const failover = await task('dr.failover', 'dr-job', job.id, 'Planned failover of VM web to dr1 (site dr)');
    await expect(runVmAction(admin, 'vm-a', 'start')).rejects.toMatchObject({
      status: 409,
      message: 'VM web may not start while "Planned failover of VM web to dr1 (site dr)" runs (Disaster recovery page)',
      data: { taskId: failover.id },
    });
    await db().task.update({ where: { id: failover.id }, data: { state: 'succeeded' } });
    const plan = await createPlan(operator, { name: 'p', members: [{ vmId: 'vm-a', order: 0 }] });
    const planRun = await task('dr.plan-run', 'dr-plan', plan.id, 'Failover of plan p');
    await expect(runVmAction(admin, 'vm-a', 'start')).rejects.toMatchObject({ data: { taskId: planRun.id } });
  });

  it('migration refuses replicas and dr-test copies with the reason; evacuation leaves them, saying why', async () => {
    const job = await protect();
    await db().vm.update({ where: { id: job.replica.id }, data: { state: 'running' } });
    await db().vm.create({
      data: {
        id: 't-000000000001',
        name: 'web-drtest-0001',
        hostId: h.hosts.dr1.id,
        role: 'dr-test',
        replicaOfId: job.replica.id,
        state: 'running',
        vcpus: 1,
        memoryMiB: 128,
        diskSizeBytes: 1n,
      },
    });
    await expect(
      enqueueMigration(SYSTEM_ACTOR, { vmId: job.replica.id, targetHostId: h.hosts.h2.id, reason: 'manual' }),
    ).rejects.toMatchObject({
      status: 409,
      message: 'VM web-replica is a replica: it stays on its DR host (it moves only by failover)',
    });
    await expect(
      enqueueMigration(SYSTEM_ACTOR, { vmId: 't-000000000001', targetHostId: h.hosts.h2.id, reason: 'maintenance' }),
    ).rejects.toMatchObject({ status: 409, message: expect.stringContaining('is a DR test copy') });
    await db().host.update({ where: { id: h.hosts.dr1.id }, data: { maintenance: true } });
    const r = await runHandler('host.evacuate', { hostId: h.hosts.dr1.id });
    expect(r.result).toMatchObject({ moved: [], stayed: expect.arrayContaining([job.replica.id, 't-000000000001']) });
    expect(r.steps).toContain(
      'warn: VM web-drtest-0001 is a DR test copy: it stands on a replica point of its DR host and cannot move: it stays on dr1',
    );
    expect(await db().migration.count()).toBe(0);
  });

  it('snapshots and backups of a replica are refused (409 with the reason)', async () => {
    const job = await protect();
    await expect(takeSnapshot(admin, job.replica.id, { name: 's', memory: false })).rejects.toMatchObject({
      status: 409,
      message:
        "VM web-replica is a replica: its disk is the replication's points (Disaster recovery page); snapshots are refused",
    });
    const input = createJobSchema.parse({
      name: 'nightly',
      repositoryId: 'repo-x',
      selector: { vmIds: [job.replica.id], tags: [] },
      schedule: '0 2 * * *',
      retention: { keepLast: 3, daily: 0, weekly: 0, monthly: 0, yearly: 0 },
    });
    await expect(createBackupJob(admin, input)).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('backups are refused'),
    });
  });
});
