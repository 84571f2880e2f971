import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { auditRefusal } from '@/lib/domain/snapshots/checks';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { VM_STATE } from '@/lib/domain/vms/dto';
import { alreadyExists, conflict, noSuchObject } from '@/lib/errors';
import {
  derivedName,
  drTestVms,
  newDrVmId,
  requireActive,
  requireNoDrTask,
  requireOnline,
  vmTarget,
  withJob,
} from './checks';
import type { DrJobDto, DrTaskAcceptedDto } from './dto';
import { DR_TASK_TARGET, listJobs } from './queries';
import { removeReplica } from './removal';
import { drRpoTargetSec, type CreateReplicationJob, type UpdateReplicationJob } from './schemas';

// Replication jobs (create, edit, remove, run now; failover and test failover: failover.ts): each
// authorizes, checks (checks.ts; refusals audited as denied), then writes rows or queues its task
// (lib/worker/handlers/replication-run.ts) and audits.

async function jobDto(vmId: string): Promise<DrJobDto> {
  const [job] = await listJobs({ vmId });
  if (!job) throw noSuchObject('replication job', vmId);
  return job;
}

export async function createJob(user: SessionUser, input: CreateReplicationJob): Promise<DrJobDto> {
  const vm = await db().vm.findUnique({ where: { id: input.vmId }, include: { host: true } });
  const target = vmTarget(input.vmId, vm?.name);
  await authorize(user, 'dr.manage', target, 'dr.job.create');
  const actor = actorOf(user);
  return auditRefusal(actor, 'dr.job.create', target, async () => {
    if (!vm) throw noSuchObject('VM', input.vmId);
    if (vm.role !== 'vm')
      throw conflict(
        `VM ${vm.name} is a ${vm.role === 'replica' ? 'replica' : 'DR test copy'}; only VMs are protected`,
      );
    if (vm.drState === 'failed-over') throw conflict(`VM ${vm.name} failed over; its replica is the VM now`);
    const host = await db().host.findUnique({ where: { id: input.targetHostId } });
    if (!host) throw noSuchObject('host', input.targetHostId);
    if (host.site === vm.host.site)
      throw conflict(
        `Host ${host.name} is in site ${host.site}, like VM ${vm.name}'s host ${vm.host.name}: choose a host of another site`,
        { site: host.site },
      );
    if (host.driver !== 'qemu') throw conflict(`Host ${host.name} runs the simulated driver: a replica needs QEMU`);
    requireOnline(host);
    const existing = await db().replicationJob.findUnique({ where: { vmId: vm.id } });
    if (existing) throw conflict(`VM ${vm.name} is already protected (job ${existing.id})`, { jobId: existing.id });
    const replicaName = derivedName(vm.name, '-replica');
    if (await db().vm.findUnique({ where: { name: replicaName } })) throw alreadyExists('VM', replicaName);
    const replicaVmId = newDrVmId('r');
    const rpoTargetSec = input.rpoTargetSec ?? drRpoTargetSec(input.intervalSec);
    const job = await db().$transaction(async (tx) => {
      await tx.vm.create({
        data: {
          id: replicaVmId,
          name: replicaName,
          hostId: host.id,
          state: VM_STATE.stopped,
          vcpus: vm.vcpus,
          memoryMiB: vm.memoryMiB,
          diskSizeBytes: vm.diskSizeBytes,
          pool: 'local',
          role: 'replica',
          replicaOfId: vm.id,
          createdBy: user.username,
        },
      });
      return tx.replicationJob.create({
        data: {
          vmId: vm.id,
          replicaVmId,
          targetHostId: host.id,
          intervalSec: input.intervalSec,
          keepPoints: input.keepPoints,
          rpoTargetSec,
          nextRunAt: new Date(),
          createdBy: user.username,
        },
      });
    });
    await recordAudit({
      actor,
      action: 'dr.job.create',
      target,
      result: 'succeeded',
      detail: { jobId: job.id, replicaVmId, targetHost: host.name, site: host.site, ...input, rpoTargetSec },
    });
    return jobDto(vm.id);
  });
}

export function updateJob(user: SessionUser, jobId: string, input: UpdateReplicationJob): Promise<DrJobDto> {
  return withJob(user, jobId, 'dr.manage', 'dr.job.update', async ({ job, vm }, actor, target) => {
    if (job.state === 'failed-over') throw conflict(`VM ${vm.name} failed over: its job no longer runs`);
    const intervalSec = input.intervalSec ?? job.intervalSec;
    // A target left at its default follows the interval.
    const rpoDefault = job.rpoTargetSec === drRpoTargetSec(job.intervalSec);
    const rpoTargetSec = input.rpoTargetSec ?? (rpoDefault ? drRpoTargetSec(intervalSec) : job.rpoTargetSec);
    const now = Date.now();
    const due = new Date(Math.max(now, (job.lastRunAt?.getTime() ?? now) + intervalSec * 1000));
    const resumed = input.enabled === true && !job.enabled;
    await db().replicationJob.update({
      where: { id: job.id },
      data: {
        intervalSec,
        rpoTargetSec,
        keepPoints: input.keepPoints,
        enabled: input.enabled,
        fullRequested: input.fullNext,
        ...((input.intervalSec !== undefined || resumed) && { nextRunAt: resumed ? new Date(now) : due }),
      },
    });
    await recordAudit({ actor, action: 'dr.job.update', target, result: 'succeeded', detail: { jobId, ...input } });
    return jobDto(vm.id);
  });
}

// Removes the replica on the target (its files) and the job with its points and runs. After a
// failover the replica is the VM: only the job goes.
export function removeJob(user: SessionUser, jobId: string): Promise<void> {
  return withJob(user, jobId, 'dr.manage', 'dr.job.delete', async (j, actor, target) => {
    await requireNoDrTask(j.job.id, `Removing the protection of VM ${j.vm.name}`);
    const tests = await drTestVms(j.replica.id);
    if (tests.length)
      throw conflict(`Discard the DR test copies first: ${tests.map((t) => t.name).join(', ')}`, {
        vmIds: tests.map((t) => t.id),
      });
    const failedOver = j.job.state !== 'active';
    if (!failedOver) await removeReplica(j.replica);
    await db().$transaction([
      db().replicationJob.delete({ where: { id: j.job.id } }),
      ...(failedOver ? [] : [db().vm.delete({ where: { id: j.replica.id } })]),
    ]);
    await recordAudit({
      actor,
      action: 'dr.job.delete',
      target,
      result: 'succeeded',
      detail: { jobId, replicaVmId: j.replica.id, replicaRemoved: !failedOver },
    });
  });
}

// Queues one run (Run now, or the scheduler with the system actor); a job failing back runs in
// reverse (the replica, now the VM, into the original disk).
export function enqueueRun(
  j: { id: string; state: string },
  vmName: string,
  actor: Actor,
  trigger: 'schedule' | 'manual',
) {
  return enqueueTask({
    kind: 'replication.run',
    title: j.state === 'failing-back' ? `Fail back VM ${vmName} (reverse run)` : `Replicate VM ${vmName}`,
    target: { type: DR_TASK_TARGET, id: j.id },
    payload: { jobId: j.id, trigger },
    actor,
  });
}

export function runNow(user: SessionUser, jobId: string): Promise<DrTaskAcceptedDto> {
  return withJob(user, jobId, 'dr.manage', 'dr.run', async (j, actor, target) => {
    requireActive(j, 'Run now', { failingBackOk: true });
    await requireNoDrTask(j.job.id, 'Run now');
    requireOnline(j.vm.host);
    requireOnline(j.replica.host);
    const taskId = await enqueueRun(j.job, j.vm.name, actor, 'manual');
    await recordAudit({ actor, action: 'dr.run', target, result: 'accepted', detail: { taskId, jobId } });
    return { taskId };
  });
}
