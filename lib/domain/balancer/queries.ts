import 'server-only';
import { db } from '@/lib/db/client';
import type { BalancerPolicy as PolicyRow, BalancerRecommendation, BalancerRun } from '@/lib/generated/prisma/client';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import type {
  BalancerMode,
  HostLoadDto,
  PolicyDto,
  RecommendationDto,
  RecommendationState,
  RuleDto,
  RunDto,
  RunListDto,
} from './dto';

export const POLICY_ID = 'cluster';

// The single policy row, created with the schema defaults (mode off) on first read.
export async function policyRow(): Promise<PolicyRow> {
  return db().balancerPolicy.upsert({ where: { id: POLICY_ID }, create: { id: POLICY_ID }, update: {} });
}

export function toPolicyDto(p: PolicyRow): PolicyDto {
  return {
    mode: p.mode as BalancerMode,
    intervalSec: p.intervalSec,
    cpuThresholdPct: p.cpuThresholdPct,
    memThresholdPct: p.memThresholdPct,
    maxConcurrent: p.maxConcurrent,
    cooldownMin: p.cooldownMin,
    excludedVmIds: JSON.parse(p.excludedVmIds) as string[],
    rules: JSON.parse(p.rules) as RuleDto[],
    lastRunAt: p.lastRunAt?.toISOString() ?? null,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export async function getPolicy(): Promise<PolicyDto> {
  return toPolicyDto(await policyRow());
}

type RunRow = BalancerRun & { recommendations: BalancerRecommendation[] };

export async function listRuns(limit: number): Promise<RunListDto> {
  const rows = await db().balancerRun.findMany({
    orderBy: { at: 'desc' },
    take: limit,
    include: { recommendations: { orderBy: { createdAt: 'asc' } } },
  });
  return { runs: await toRunDtos(rows) };
}

export async function getRun(id: string): Promise<RunDto> {
  const row = await db().balancerRun.findUniqueOrThrow({
    where: { id },
    include: { recommendations: { orderBy: { createdAt: 'asc' } } },
  });
  return (await toRunDtos([row]))[0];
}

async function toRunDtos(rows: RunRow[]): Promise<RunDto[]> {
  const recs = rows.flatMap((r) => r.recommendations);
  const taskIds = recs.flatMap((r) => (r.taskId ? [r.taskId] : []));
  const [hosts, tasks] = await Promise.all([
    db().host.findMany({ select: { id: true, name: true } }),
    db().task.findMany({ where: { id: { in: taskIds } }, select: { id: true, state: true } }),
  ]);
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  // An applied recommendation whose migration later failed shows as failed.
  const failedTasks = new Set(
    tasks.filter((t) => t.state === TASK_STATE.failed || t.state === TASK_STATE.cancelled).map((t) => t.id),
  );
  const toRec = (r: BalancerRecommendation): RecommendationDto => ({
    id: r.id,
    runId: r.runId,
    vmId: r.vmId,
    vmName: r.vmName,
    sourceHostId: r.sourceHostId,
    sourceHostName: hostName.get(r.sourceHostId) ?? r.sourceHostId,
    targetHostId: r.targetHostId,
    targetHostName: hostName.get(r.targetHostId) ?? r.targetHostId,
    gain: r.gain,
    cost: r.cost,
    state: (r.state === 'applied' && r.taskId && failedTasks.has(r.taskId) ? 'failed' : r.state) as RecommendationState,
    taskId: r.taskId,
    createdAt: r.createdAt.toISOString(),
  });
  return rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    mode: r.mode as BalancerMode,
    trigger: r.trigger as RunDto['trigger'],
    imbalanceBefore: r.imbalanceBefore,
    imbalanceAfter: r.imbalanceAfter,
    hostsBefore: JSON.parse(r.hostsBefore) as HostLoadDto[],
    hostsAfter: JSON.parse(r.hostsAfter) as HostLoadDto[],
    durationMs: r.durationMs,
    recommendations: r.recommendations.map(toRec),
  }));
}
