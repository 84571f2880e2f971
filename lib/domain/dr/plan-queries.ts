import 'server-only';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { inChunks } from '@/lib/db/in-chunks';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { tryParseTaskPayload } from '@/lib/domain/tasks/kinds';
import { noSuchObject } from '@/lib/errors';
import type { FailoverPlan } from '@/lib/generated/prisma/client';
import type { DrJobDto, FailoverPlanDto, FailoverPlanMemberDto, FailoverPlanRunDto } from './dto';
import { listJobs } from './queries';

// Failover plans as the screens and the plan run read them: members (stored as JSON) with their
// VMs and jobs, the last run (a dr.plan-run task targeting the plan).

export const PLAN_TASK_TARGET = 'dr-plan';

const storedMembers = z.array(z.object({ vmId: z.string(), order: z.number().int() }));
export type PlanMember = z.infer<typeof storedMembers>[number];

// Members by boot order (stable within an order); a row written by hand that does not parse has none.
export function planMembers(plan: Pick<FailoverPlan, 'members'>): PlanMember[] {
  let raw: unknown;
  try {
    raw = JSON.parse(plan.members);
  } catch {
    return [];
  }
  const r = storedMembers.safeParse(raw);
  return r.success ? [...r.data].sort((a, b) => a.order - b.order) : [];
}

// Members grouped by order, ascending: each group fails over together.
export function bootGroups<M extends { order: number }>(members: M[]): M[][] {
  const groups = new Map<number, M[]>();
  for (const m of [...members].sort((a, b) => a.order - b.order))
    groups.set(m.order, [...(groups.get(m.order) ?? []), m]);
  return [...groups.values()];
}

function toRunDto(t: {
  id: string;
  payload: string;
  state: string;
  createdAt: Date;
  finishedAt: Date | null;
  errorMessage: string | null;
}): FailoverPlanRunDto {
  const p = tryParseTaskPayload('dr.plan-run', t.payload);
  return {
    taskId: t.id,
    kind: p.ok ? p.payload.kind : 'test',
    state: t.state,
    createdAt: t.createdAt.toISOString(),
    finishedAt: t.finishedAt?.toISOString() ?? null,
    error: t.errorMessage,
  };
}

async function toPlanDtos(plans: FailoverPlan[]): Promise<FailoverPlanDto[]> {
  const members = new Map(plans.map((p) => [p.id, planMembers(p)]));
  const vmIds = [...new Set([...members.values()].flat().map((m) => m.vmId))];
  const [vms, jobs, tasks] = await Promise.all([
    inChunks(vmIds, (chunk) => db().vm.findMany({ where: { id: { in: chunk } }, select: { id: true, name: true } })),
    plans.length ? listJobs() : Promise.resolve([] as DrJobDto[]),
    db().task.findMany({
      where: { kind: 'dr.plan-run', targetType: PLAN_TASK_TARGET, targetId: { in: plans.map((p) => p.id) } },
      orderBy: { createdAt: 'desc' },
    }),
  ]);
  const names = new Map(vms.map((v) => [v.id, v.name]));
  const jobOf = new Map(jobs.map((j) => [j.vm.id, j]));
  return plans.map((plan) => {
    const list: FailoverPlanMemberDto[] = members.get(plan.id)!.map((m) => {
      const job = jobOf.get(m.vmId);
      return {
        vmId: m.vmId,
        vmName: names.get(m.vmId) ?? null,
        order: m.order,
        jobId: job?.id ?? null,
        status: job?.status ?? null,
        replicaHostName: job?.replica.hostName ?? null,
        replicaSite: job?.replica.site ?? null,
      };
    });
    const runs = tasks.filter((t) => t.targetId === plan.id);
    const active = runs.find((t) => t.state === TASK_STATE.queued || t.state === TASK_STATE.running);
    return {
      id: plan.id,
      name: plan.name,
      members: list,
      runnable: list.length > 0 && list.every((m) => m.jobId && jobOf.get(m.vmId)?.state === 'active'),
      activeTaskId: active?.id ?? null,
      lastRun: runs[0] ? toRunDto(runs[0]) : null,
      createdBy: plan.createdBy,
      createdAt: plan.createdAt.toISOString(),
      updatedAt: plan.updatedAt.toISOString(),
    };
  });
}

export async function listPlans(): Promise<FailoverPlanDto[]> {
  return toPlanDtos(await db().failoverPlan.findMany({ orderBy: { name: 'asc' } }));
}

export async function getPlan(planId: string): Promise<FailoverPlanDto> {
  const plan = await db().failoverPlan.findUnique({ where: { id: planId } });
  if (!plan) throw noSuchObject('failover plan', planId);
  return (await toPlanDtos([plan]))[0];
}

// An active plan run whose plan holds this VM (its members' failovers run inside that task).
export async function activePlanRunFor(vmId: string) {
  const tasks = await db().task.findMany({
    where: { kind: 'dr.plan-run', state: { in: [TASK_STATE.queued, TASK_STATE.running] } },
    select: { id: true, kind: true, title: true, targetId: true },
  });
  if (!tasks.length) return null;
  const plans = await db().failoverPlan.findMany({ where: { id: { in: tasks.flatMap((t) => t.targetId ?? []) } } });
  const holding = new Set(plans.filter((p) => planMembers(p).some((m) => m.vmId === vmId)).map((p) => p.id));
  return tasks.find((t) => t.targetId && holding.has(t.targetId)) ?? null;
}
