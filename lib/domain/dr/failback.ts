import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { agentFor } from '@/lib/domain/hosts/agents';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { conflict, noSuchObject } from '@/lib/errors';
import { requireNoDrTask, requireOnline, withJob, type JobWithVms } from './checks';
import type { DrTaskAcceptedDto } from './dto';
import { DR_TASK_TARGET } from './queries';
import type { DrFailback } from './schemas';
import { enqueueRun } from './service';

// Failback (docs/ARCHITECTURE.md, "Disaster recovery"). start: a failed-over job fails back: the
// replica (the VM now) replicates into the original VM's own disk at the job's interval, the first
// reverse run at once. complete: the switch back (task dr.failback), once one reverse run succeeded.

const SETTLED_OFF = new Set<string>(['shutoff', 'crashed']);

// The original VM's disk on site A must still be there (in place: it is the base), and the VM off
// (the agent refuses both while it runs; say why here).
async function requireOriginalDisk(j: JobWithVms): Promise<void> {
  requireOnline(j.vm.host);
  try {
    const rt = await (await agentFor(j.vm.hostId)).getVm(j.vm.id);
    if (!SETTLED_OFF.has(rt.state))
      throw conflict(
        `VM ${j.vm.name} runs on ${j.vm.host.name} (it was unreachable at the failover): force-stop it first; ` +
          `its writes since then are overwritten by the failback`,
        { vmId: j.vm.id, state: rt.state },
      );
  } catch (err) {
    if (!noSuchObject.is(err)) throw err;
    throw conflict(
      `VM ${j.vm.name}'s disk is gone from ${j.vm.host.name}: failback copies into it in place, so it cannot run`,
      { vmId: j.vm.id },
    );
  }
}

async function start(j: JobWithVms, actor: Parameters<typeof enqueueRun>[2]) {
  if (j.job.state !== 'failed-over')
    throw conflict(
      j.job.state === 'failing-back'
        ? `VM ${j.vm.name} is already failing back`
        : `VM ${j.vm.name} has not failed over: nothing to fail back`,
      { jobId: j.job.id, state: j.job.state },
    );
  if (!j.job.failoverPointId)
    throw conflict(`The failover point of VM ${j.vm.name} is unknown (failed over before failback existed)`, {
      jobId: j.job.id,
    });
  await requireNoDrTask(j.job.id, 'Failback');
  requireOnline(j.replica.host);
  await requireOriginalDisk(j);
  const now = new Date();
  await db().replicationJob.update({
    where: { id: j.job.id },
    data: {
      state: 'failing-back',
      enabled: true,
      reverseBaseId: null,
      lastError: null,
      nextRunAt: new Date(now.getTime() + j.job.intervalSec * 1000),
    },
  });
  return enqueueRun({ id: j.job.id, state: 'failing-back' }, j.vm.name, actor, 'manual');
}

async function complete(j: JobWithVms, actor: Parameters<typeof enqueueRun>[2]) {
  if (j.job.state !== 'failing-back')
    throw conflict(`VM ${j.vm.name} is not failing back: start the failback first`, { jobId: j.job.id });
  if (!j.job.reverseBaseId)
    throw conflict(`Failback of VM ${j.vm.name}: wait until one reverse run succeeded`, { jobId: j.job.id });
  // A reverse run in flight does not refuse it: the task waits for it (or cancels a queued one).
  await requireNoDrTask(j.job.id, 'Completing the failback', { exceptRuns: true });
  requireOnline(j.vm.host);
  requireOnline(j.replica.host);
  return enqueueTask({
    kind: 'dr.failback',
    title: `Switch VM ${j.vm.name} back to ${j.vm.host.name} (site ${j.vm.host.site})`,
    target: { type: DR_TASK_TARGET, id: j.job.id },
    payload: { jobId: j.job.id },
    actor,
  });
}

export function failback(user: SessionUser, jobId: string, input: DrFailback): Promise<DrTaskAcceptedDto> {
  const action = input.action === 'start' ? 'dr.failback.start' : 'dr.failback';
  return withJob(user, jobId, 'dr.failover', action, async (j, actor, target) => {
    const taskId = input.action === 'start' ? await start(j, actor) : await complete(j, actor);
    await recordAudit({
      actor,
      action,
      target,
      result: 'accepted',
      detail: { taskId, jobId, failoverPointId: j.job.failoverPointId, reverseBaseId: j.job.reverseBaseId },
    });
    return { taskId };
  });
}
