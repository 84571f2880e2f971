import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { auditRefusal } from '@/lib/domain/snapshots/checks';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { alreadyExists, conflict, noSuchObject } from '@/lib/errors';
import { jobWithVms, pointOf, requireActive, requireNoDrTask, requireOnline } from './checks';
import type { DrTaskAcceptedDto, FailoverPlanDto } from './dto';
import { PLAN_TASK_TARGET, bootGroups, getPlan, planMembers } from './plan-queries';
import type { CreateFailoverPlan, RunFailoverPlan, UpdateFailoverPlan } from './schemas';

// Failover plans (docs/ARCHITECTURE.md, "Disaster recovery"): edited with dr.manage; every member
// must be a protected VM. A run (test: dr.manage; planned / unplanned: dr.failover) is the task
// dr.plan-run (lib/worker/handlers/dr-plan-run.ts), checked here for every member first.

type Members = CreateFailoverPlan['members'];
const planTarget = (id: string, name?: string) => ({ type: PLAN_TASK_TARGET, id, name });

async function requireProtected(members: Members): Promise<void> {
  const ids = members.map((m) => m.vmId);
  const [vms, jobs] = await Promise.all([
    db().vm.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
    db().replicationJob.findMany({ where: { vmId: { in: ids } }, select: { vmId: true } }),
  ]);
  const protectedIds = new Set(jobs.map((j) => j.vmId));
  for (const id of ids) {
    const vm = vms.find((v) => v.id === id);
    if (!vm) throw noSuchObject('VM', id);
    if (!protectedIds.has(id))
      throw conflict(`VM ${vm.name} is not protected: protect it (replication job) before adding it to a plan`, {
        vmId: id,
      });
  }
}

async function requireFreeName(name: string, planId?: string): Promise<void> {
  const other = await db().failoverPlan.findUnique({ where: { name } });
  if (other && other.id !== planId) throw alreadyExists('failover plan', name);
}

// Edits and removal: the plan's row, authorized and audited (refusals as denied).
async function withPlan<T>(
  user: SessionUser,
  planId: string,
  action: string,
  fn: (plan: { id: string; name: string; members: string }, actor: Actor) => Promise<T>,
  permission: 'dr.manage' | 'dr.failover' = 'dr.manage',
): Promise<T> {
  const plan = await db().failoverPlan.findUnique({ where: { id: planId } });
  const target = planTarget(planId, plan?.name);
  await authorize(user, permission, target, action);
  const actor = actorOf(user);
  return auditRefusal(actor, action, target, async () => {
    if (!plan) throw noSuchObject('failover plan', planId);
    return fn(plan, actor);
  });
}

export async function createPlan(user: SessionUser, input: CreateFailoverPlan): Promise<FailoverPlanDto> {
  const target = planTarget('', input.name);
  await authorize(user, 'dr.manage', target, 'dr.plan.create');
  const actor = actorOf(user);
  return auditRefusal(actor, 'dr.plan.create', target, async () => {
    await requireFreeName(input.name);
    await requireProtected(input.members);
    const plan = await db().failoverPlan.create({
      data: { name: input.name, members: JSON.stringify(input.members), createdBy: user.username },
    });
    await recordAudit({
      actor,
      action: 'dr.plan.create',
      target: planTarget(plan.id, plan.name),
      result: 'succeeded',
      detail: { members: input.members },
    });
    return getPlan(plan.id);
  });
}

export function updatePlan(user: SessionUser, planId: string, input: UpdateFailoverPlan): Promise<FailoverPlanDto> {
  return withPlan(user, planId, 'dr.plan.update', async (plan, actor) => {
    if (input.name !== undefined) await requireFreeName(input.name, plan.id);
    if (input.members) await requireProtected(input.members);
    await db().failoverPlan.update({
      where: { id: plan.id },
      data: { name: input.name, ...(input.members && { members: JSON.stringify(input.members) }) },
    });
    await recordAudit({
      actor,
      action: 'dr.plan.update',
      target: planTarget(plan.id, input.name ?? plan.name),
      result: 'succeeded',
      detail: { ...input },
    });
    return getPlan(plan.id);
  });
}

export function deletePlan(user: SessionUser, planId: string): Promise<void> {
  return withPlan(user, planId, 'dr.plan.delete', async (plan, actor) => {
    if ((await getPlan(plan.id)).activeTaskId) throw conflict(`Failover plan ${plan.name} is running`);
    await db().failoverPlan.delete({ where: { id: plan.id } });
    await recordAudit({ actor, action: 'dr.plan.delete', target: planTarget(plan.id, plan.name), result: 'succeeded' });
  });
}

// Every member's job must be able to do the kind now (as its own failover would check). A
// replication run in flight does not refuse it: each member's failover waits for its run
// (lib/worker/dr-run-wait.ts), and the scheduler starts no new one while the plan holds the VM.
async function requireRunnable(planName: string, members: Members, kind: RunFailoverPlan['kind']): Promise<void> {
  if (!members.length) throw conflict(`Failover plan ${planName} has no VMs`);
  for (const m of members) {
    const job = await db().replicationJob.findUnique({ where: { vmId: m.vmId }, select: { id: true } });
    const vm = await db().vm.findUnique({ where: { id: m.vmId }, select: { name: true } });
    if (!job) throw conflict(`VM ${vm?.name ?? m.vmId} of plan ${planName} is no longer protected`, { vmId: m.vmId });
    const j = await jobWithVms(job.id);
    const what = `Plan ${planName}`;
    requireActive(j, what);
    await requireNoDrTask(j.job.id, `${what} (VM ${j.vm.name})`, { exceptRuns: true });
    requireOnline(j.replica.host);
    if (kind === 'planned') requireOnline(j.vm.host);
    else pointOf(j, undefined, what);
  }
}

export function runPlan(user: SessionUser, planId: string, input: RunFailoverPlan): Promise<DrTaskAcceptedDto> {
  const permission = input.kind === 'test' ? 'dr.manage' : 'dr.failover';
  return withPlan(
    user,
    planId,
    'dr.plan.run',
    async (plan, actor) => {
      if ((await getPlan(plan.id)).activeTaskId) throw conflict(`Failover plan ${plan.name} is already running`);
      const members = planMembers(plan);
      await requireRunnable(plan.name, members, input.kind);
      const how = { test: 'Test failover', planned: 'Planned failover', unplanned: 'Failover' }[input.kind];
      const taskId = await enqueueTask({
        kind: 'dr.plan-run',
        title: `${how} of plan ${plan.name} (${members.length} VM(s) in ${bootGroups(members).length} group(s))`,
        target: planTarget(plan.id),
        payload: { planId: plan.id, kind: input.kind },
        actor,
      });
      await recordAudit({
        actor,
        action: 'dr.plan.run',
        target: planTarget(plan.id, plan.name),
        result: 'accepted',
        detail: { taskId, kind: input.kind, members },
      });
      return { taskId };
    },
    permission,
  );
}
