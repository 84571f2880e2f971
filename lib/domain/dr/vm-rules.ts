import 'server-only';
import { db } from '@/lib/db/client';
import { requireNoDependentClones } from '@/lib/domain/snapshots/checks';
import { conflict } from '@/lib/errors';
import type { Vm } from '@/lib/generated/prisma/client';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { activePlanRunFor } from './plan-queries';
import { DR_TASK_TARGET } from './queries';

// What disaster recovery forbids of the ordinary VM actions (lib/domain/vms/service.ts): a replica
// starts only by failover; a failed-over VM never starts again (its replica is the VM now, two
// copies must not run); a protected VM or its replica goes only after its job is removed.

type VmRow = Pick<Vm, 'id' | 'name' | 'role' | 'drState'>;

export async function requireStartable(vm: VmRow): Promise<void> {
  await requireNoDrTaskOn(vm);
  if (vm.role === 'replica')
    throw conflict(`VM ${vm.name} is a replica: a replica starts only by failover (Disaster recovery page)`, {
      vmId: vm.id,
      role: vm.role,
    });
  if (vm.drState === 'failed-over') {
    const job = await db().replicationJob.findUnique({ where: { vmId: vm.id }, select: { replicaVmId: true } });
    const replica = job
      ? await db().vm.findUnique({
          where: { id: job.replicaVmId },
          include: { host: { select: { name: true, site: true } } },
        })
      : null;
    const where = replica ? ` to ${replica.name} on site ${replica.host.site}` : '';
    throw conflict(`VM ${vm.name} failed over${where}: it may not start while its replica runs as the VM`, {
      vmId: vm.id,
      drState: vm.drState,
      replicaVmId: replica?.id ?? null,
    });
  }
}

// A failover, a switch back or a plan run holding the VM decides which copy runs: a start now
// (e.g. of the original while a planned failover stops it) would race it. Replication runs do not
// count (the agent itself holds a stopped VM's disk while one reads or writes it).
async function requireNoDrTaskOn(vm: VmRow): Promise<void> {
  const job = await db().replicationJob.findFirst({
    where: { OR: [{ vmId: vm.id }, { replicaVmId: vm.id }] },
    select: { id: true },
  });
  const switching =
    job &&
    (await db().task.findFirst({
      where: {
        targetType: DR_TASK_TARGET,
        targetId: job.id,
        kind: { in: ['dr.failover', 'dr.failback'] },
        state: { in: [TASK_STATE.queued, TASK_STATE.running] },
      },
      select: { id: true, title: true },
    }));
  const busy = switching || (await activePlanRunFor(vm.id));
  if (busy)
    throw conflict(`VM ${vm.name} may not start while "${busy.title}" runs (Disaster recovery page)`, {
      vmId: vm.id,
      taskId: busy.id,
    });
}

// Deleting a dr-test copy is its discard: allowed. A VM a job protects, or a job's replica, is
// refused while the job exists (removing the job removes the replica on the target).
export async function requireDeletable(vm: VmRow): Promise<void> {
  await requireNoDependentClones(vm);
  if (vm.role === 'dr-test') return;
  const job = await db().replicationJob.findFirst({
    where: { OR: [{ vmId: vm.id }, { replicaVmId: vm.id }] },
    select: { id: true, vmId: true },
  });
  if (!job) return;
  const what = job.vmId === vm.id ? 'is protected by replication job' : 'is the replica of replication job';
  throw conflict(`VM ${vm.name} ${what} ${job.id}: remove the job first (Disaster recovery page)`, {
    vmId: vm.id,
    jobId: job.id,
  });
}
