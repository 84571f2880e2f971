import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit, type Actor } from '@/lib/domain/audit/service';
import type { SessionUser } from '@/lib/domain/auth/dto';
import { MIGRATION_STATE } from '@/lib/domain/migrations/dto';
import { enqueueMigration } from '@/lib/domain/migrations/service';
import { actorOf, authorize } from '@/lib/domain/shared/authorize';
import { conflict, errorMessage, invalidInput, noSuchObject } from '@/lib/errors';
import type { ApplyResultDto, HostLoadDto, PolicyDto, RunDto } from './dto';
import type { HostLoad } from './plan-types';
import { planBalanceBySite } from './site-plans';
import { getRun, policyRow, POLICY_ID, toPolicyDto } from './queries';
import { ruleConflicts } from './rules';
import type { BalancerPolicy } from './schemas';
import { loadSnapshot } from './snapshot';

export async function updatePolicy(user: SessionUser, input: BalancerPolicy): Promise<PolicyDto> {
  await authorize(
    user,
    'cluster.manage',
    { type: 'cluster', id: POLICY_ID, name: 'balancer policy' },
    'balancer.policy.update',
  );
  // Conflicts only the cluster's current tags and hosts reveal (the schema checked the rest).
  const [vms, hosts] = await Promise.all([
    db().vm.findMany({ select: { id: true, name: true, tags: true } }),
    db().host.findMany({ select: { id: true, name: true } }),
  ]);
  const conflicts = ruleConflicts(input.rules, {
    vms: vms.map((v) => ({ ...v, tags: JSON.parse(v.tags) as string[] })),
    hosts,
  });
  if (conflicts.length) {
    const fields: Record<string, string[]> = {};
    for (const c of conflicts) (fields[c.index >= 0 ? `rules.${c.index}` : 'rules'] ??= []).push(c.message);
    throw invalidInput(fields, 'Some balancer rules conflict');
  }
  const data = { ...input, excludedVmIds: JSON.stringify(input.excludedVmIds), rules: JSON.stringify(input.rules) };
  const row = await db().balancerPolicy.upsert({
    where: { id: POLICY_ID },
    create: { id: POLICY_ID, ...data },
    update: data,
  });
  await recordAudit({
    actor: actorOf(user),
    action: 'balancer.policy.update',
    target: { type: 'cluster', id: POLICY_ID, name: 'balancer policy' },
    result: 'succeeded',
    detail: { ...input },
  });
  return toPolicyDto(row);
}

// "Run now": computes recommendations whatever the mode (off included); never applies them.
export async function runBalancer(user: SessionUser): Promise<RunDto> {
  await authorize(user, 'vm.migrate', { type: 'cluster', id: POLICY_ID, name: 'balancer' }, 'balancer.run');
  const run = await runBalancerPass('manual');
  await recordAudit({
    actor: actorOf(user),
    action: 'balancer.run',
    target: { type: 'cluster', id: POLICY_ID, name: 'balancer' },
    result: 'succeeded',
    detail: { runId: run.id, recommendations: run.recommendations.length },
  });
  return run;
}

// One pass: snapshot, plan, store the run and its recommendations. Pending recommendations of
// earlier runs are expired: they were computed from an older picture of the cluster.
export async function runBalancerPass(trigger: 'schedule' | 'manual', now = new Date()): Promise<RunDto> {
  const policy = toPolicyDto(await policyRow());
  const snap = await loadSnapshot(now);
  const inFlight = await db().migration.count({ where: { state: MIGRATION_STATE.running } });
  const started = performance.now();
  const plan = planBalanceBySite({
    hosts: snap.hosts,
    vms: snap.vms,
    rules: policy.rules,
    now: now.getTime(),
    policy: {
      ...policy,
      excludedVmIds: [...policy.excludedVmIds, ...snap.pinned],
      maxMoves: Math.max(0, policy.maxConcurrent - inFlight),
    },
  });
  const durationMs = performance.now() - started;
  const named = (loads: HostLoad[]): HostLoadDto[] =>
    loads.map((l) => ({ ...l, name: snap.hostNames.get(l.hostId) ?? l.hostId }));
  const cost = new Map(snap.vms.map((v) => [v.id, v.migrationCost]));
  const runId = await db().$transaction(async (tx) => {
    await tx.balancerRecommendation.updateMany({ where: { state: 'pending' }, data: { state: 'expired' } });
    const run = await tx.balancerRun.create({
      data: {
        at: now,
        mode: policy.mode,
        trigger,
        imbalanceBefore: plan.imbalanceBefore,
        imbalanceAfter: plan.imbalanceAfter,
        hostsBefore: JSON.stringify(named(plan.before)),
        hostsAfter: JSON.stringify(named(plan.after)),
        durationMs,
        recommendations: {
          create: plan.moves.map((m) => ({
            vmId: m.vmId,
            vmName: snap.vmNames.get(m.vmId) ?? m.vmId,
            sourceHostId: m.from,
            targetHostId: m.to,
            gain: m.gain,
            cost: cost.get(m.vmId) ?? m.cost,
          })),
        },
      },
    });
    await tx.balancerPolicy.update({ where: { id: POLICY_ID }, data: { lastRunAt: now } });
    return run.id;
  });
  return getRun(runId);
}

export async function applyRecommendation(
  user: SessionUser,
  id: string,
): Promise<{ taskId: string; migrationId: string }> {
  const rec = await db().balancerRecommendation.findUnique({ where: { id } });
  await authorize(user, 'vm.migrate', { type: 'vm', id: rec?.vmId ?? null, name: rec?.vmName }, 'balancer.apply');
  if (!rec) throw noSuchObject('recommendation', id);
  const out = await applyOne(actorOf(user), rec);
  if ('error' in out) throw out.error;
  return out;
}

export async function applyAll(user: SessionUser): Promise<ApplyResultDto> {
  await authorize(user, 'vm.migrate', { type: 'cluster', id: POLICY_ID, name: 'balancer' }, 'balancer.apply');
  return applyPending(actorOf(user));
}

// Applies the pending recommendations (only the latest run has any), at most `limit`.
export async function applyPending(actor: Actor, limit = Infinity): Promise<ApplyResultDto> {
  const recs = await db().balancerRecommendation.findMany({
    where: { state: 'pending' },
    orderBy: { createdAt: 'asc' },
  });
  const result: ApplyResultDto = { applied: [], failed: [] };
  for (const rec of recs.slice(0, Number.isFinite(limit) ? limit : undefined)) {
    const out = await applyOne(actor, rec);
    if ('error' in out) result.failed.push({ recommendationId: rec.id, error: errorMessage(out.error) });
    else result.applied.push({ recommendationId: rec.id, ...out });
  }
  return result;
}

type Rec = { id: string; vmId: string; vmName: string; sourceHostId: string; targetHostId: string; state: string };

async function applyOne(actor: Actor, rec: Rec): Promise<{ taskId: string; migrationId: string } | { error: Error }> {
  const target = { type: 'vm', id: rec.vmId, name: rec.vmName };
  if (rec.state !== 'pending')
    return {
      error: conflict(`This recommendation is ${rec.state}; only a pending one can be applied`, { state: rec.state }),
    };
  const vm = await db().vm.findUnique({ where: { id: rec.vmId }, select: { hostId: true } });
  if (vm?.hostId !== rec.sourceHostId) {
    await db().balancerRecommendation.update({ where: { id: rec.id }, data: { state: 'expired' } });
    return {
      error: conflict(
        `VM ${rec.vmName} is no longer on the host this recommendation moves it from; run the balancer again`,
        { state: 'expired' },
      ),
    };
  }
  try {
    const out = await enqueueMigration(actor, { vmId: rec.vmId, targetHostId: rec.targetHostId, reason: 'balancer' });
    await db().balancerRecommendation.update({ where: { id: rec.id }, data: { state: 'applied', taskId: out.taskId } });
    await recordAudit({
      actor,
      action: 'balancer.apply',
      target,
      result: 'accepted',
      detail: { recommendationId: rec.id, ...out },
    });
    return out;
  } catch (err) {
    await db().balancerRecommendation.update({ where: { id: rec.id }, data: { state: 'failed' } });
    await recordAudit({
      actor,
      action: 'balancer.apply',
      target,
      result: 'failed',
      detail: { recommendationId: rec.id, error: errorMessage(err) },
    });
    return { error: err instanceof Error ? err : new Error(String(err)) };
  }
}
