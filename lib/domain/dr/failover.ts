import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { VM_STATE } from '@/lib/domain/vms/dto';
import {
  derivedName,
  newDrTestSuffix,
  newDrVmId,
  pointOf,
  requireActive,
  requireNoDrTask,
  requireOnline,
  withJob,
  type JobWithVms,
} from './checks';
import type { DrTaskAcceptedDto } from './dto';
import { DR_TASK_TARGET } from './queries';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { DrFailover, DrTestFailover } from './schemas';

// Failover and test failover of a job (docs/ARCHITECTURE.md, "Disaster recovery"): checks, the
// rows made at request time, the task (lib/worker/handlers/dr-failover.ts, dr-test-failover.ts).

export function failover(user: SessionUser, jobId: string, input: DrFailover): Promise<DrTaskAcceptedDto> {
  const action = input.planned ? 'dr.failover.planned' : 'dr.failover';
  return withJob(user, jobId, 'dr.failover', action, async (j, actor, target) => {
    requireActive(j, 'Failover');
    // A replication run in flight does not refuse it: the task cancels a queued one and waits for a running one.
    await requireNoDrTask(j.job.id, 'Failover', { exceptRuns: true });
    requireOnline(j.replica.host);
    // Planned: the source stops and sends once more, so its host must answer; unplanned: a point must exist.
    if (input.planned) requireOnline(j.vm.host);
    const point = input.planned ? null : pointOf(j, input.pointId, 'Failover');
    const how = input.planned ? 'Planned failover' : 'Failover';
    const taskId = await enqueueTask({
      kind: 'dr.failover',
      title: `${how} of VM ${j.vm.name} to ${j.replica.host.name} (site ${j.replica.host.site})`,
      target: { type: DR_TASK_TARGET, id: j.job.id },
      payload: { jobId, pointId: input.pointId ?? null, planned: input.planned },
      actor,
    });
    await recordAudit({
      actor,
      action,
      target,
      result: 'accepted',
      detail: { taskId, jobId, pointId: point?.id ?? null, chosen: Boolean(input.pointId) },
    });
    return { taskId };
  });
}

// The dr-test copy's row (state provisioning), made before the agent starts it (also by a plan run).
export async function createTestCopyRow(j: JobWithVms, createdBy: string | null, tx: Prisma.TransactionClient = db()) {
  const vmId = newDrVmId('t');
  const name = derivedName(j.vm.name, `-drtest-${newDrTestSuffix()}`);
  await tx.vm.create({
    data: {
      id: vmId,
      name,
      hostId: j.replica.hostId,
      state: VM_STATE.provisioning,
      vcpus: j.replica.vcpus,
      memoryMiB: j.replica.memoryMiB,
      diskSizeBytes: j.replica.diskSizeBytes,
      pool: 'local',
      role: 'dr-test',
      replicaOfId: j.replica.id,
      tags: JSON.stringify(['dr-test']),
      createdBy,
    },
  });
  return { vmId, name };
}

// The dr-test row is made now (like vm.create's) so the page shows it at once; the task removes
// it if the agent cannot start the copy.
export function testFailover(user: SessionUser, jobId: string, input: DrTestFailover): Promise<DrTaskAcceptedDto> {
  return withJob(user, jobId, 'dr.manage', 'dr.test-failover', async (j, actor, target) => {
    requireActive(j, 'Test failover');
    await requireNoDrTask(j.job.id, 'Test failover', { exceptRuns: true });
    requireOnline(j.replica.host);
    const point = pointOf(j, input.pointId, 'Test failover');
    const { vmId, name, taskId } = await db().$transaction(async (tx) => {
      const copy = await createTestCopyRow(j, user.username, tx);
      return enqueueTask(
        {
          kind: 'dr.test-failover',
          title: `Test failover of VM ${j.vm.name} as ${copy.name}`,
          target: { type: DR_TASK_TARGET, id: j.job.id },
          payload: { jobId, vmId: copy.vmId, pointId: point.id },
          actor,
        },
        tx,
      ).then((taskId) => ({ ...copy, taskId }));
    });
    await recordAudit({
      actor,
      action: 'dr.test-failover',
      target,
      result: 'accepted',
      detail: { taskId, jobId, pointId: point.id, testVmId: vmId, testVmName: name },
    });
    return { taskId, vmId };
  });
}
