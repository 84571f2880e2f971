import 'server-only';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { jobWithVms } from '@/lib/domain/dr/checks';
import { createTestCopyRow } from '@/lib/domain/dr/failover';
import { PLAN_TASK_TARGET, bootGroups, planMembers, type PlanMember } from '@/lib/domain/dr/plan-queries';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskContext, TaskHandler } from '../context';
import { drFailoverHandler } from './dr-failover';
import { drTestFailoverHandler } from './dr-test-failover';
import { planGuestReadySec } from './vm-timeouts';

// A failover plan run (docs/ARCHITECTURE.md, "Disaster recovery"): members grouped by boot order,
// ascending; a group's failovers (or test failovers) run in parallel, each as its own handler does
// it (own steps, prefixed with the VM's name; own audit); the next group starts only when every VM
// this group started reports its guest ready (bounded). A failed member, or a guest not ready in
// time, fails the plan; members already failed over stay so, and the error names them.

type Started = { member: PlanMember; name: string; vmId: string; hostId: string };

// The member's own steps under the plan's task; its progress is the plan's to report.
const memberContext = (ctx: TaskContext, name: string): TaskContext => ({
  ...ctx,
  recovered: false,
  step: (message, level) => ctx.step(`${name}: ${message}`, level),
  progress: async () => undefined,
});

async function runMember(ctx: TaskContext, m: PlanMember, kind: 'test' | 'planned' | 'unplanned'): Promise<Started> {
  const job = await db().replicationJob.findUnique({ where: { vmId: m.vmId }, select: { id: true } });
  if (!job) throw noSuchObject('replication job of VM', m.vmId);
  const j = await jobWithVms(job.id);
  const sub = memberContext(ctx, j.vm.name);
  if (kind === 'test') {
    const pointId = j.job.points[0]?.id;
    if (!pointId) throw new Error(`VM ${j.vm.name} has no replica point yet`);
    const copy = await createTestCopyRow(j, ctx.actor.name);
    await drTestFailoverHandler(sub, { jobId: j.job.id, vmId: copy.vmId, pointId });
    return { member: m, name: copy.name, vmId: copy.vmId, hostId: j.replica.hostId };
  }
  await drFailoverHandler(sub, { jobId: j.job.id, pointId: null, planned: kind === 'planned' });
  return { member: m, name: j.replica.name, vmId: j.replica.id, hostId: j.replica.hostId };
}

// Every started VM's guest ready within the bound, polled on its agent (the row follows).
async function gate(ctx: TaskContext, started: Started[]): Promise<void> {
  const limitSec = planGuestReadySec();
  const deadline = Date.now() + limitSec * 1000;
  const waiting = new Map(started.map((s) => [s.vmId, s]));
  while (waiting.size) {
    for (const s of [...waiting.values()]) {
      const rt = await (await agentFor(s.hostId)).getVm(s.vmId).catch(() => null);
      if (!rt?.guestReady) continue;
      await db().vm.update({ where: { id: s.vmId }, data: { guestReady: true } });
      await ctx.step(`${s.name}: guest ready`);
      waiting.delete(s.vmId);
    }
    if (!waiting.size) return;
    if (Date.now() >= deadline)
      throw new Error(
        `Guest not ready within ${limitSec} s: ${[...waiting.values()].map((s) => s.name).join(', ')}; ` +
          'the next boot group was not started',
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const drPlanRunHandler: TaskHandler<'dr.plan-run'> = async (ctx, p) => {
  const plan = await db().failoverPlan.findUnique({ where: { id: p.planId } });
  if (!plan) throw noSuchObject('failover plan', p.planId);
  const done: Started[] = [];
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'dr.plan.run',
      target: { type: PLAN_TASK_TARGET, id: plan.id, name: plan.name },
      result,
      detail: { taskId: ctx.id, kind: p.kind, started: done.map((s) => s.name), ...detail },
    });
  try {
    if (ctx.recovered) throw new Error('The worker running this plan stopped; check each VM on the DR page');
    const groups = bootGroups(planMembers(plan));
    for (const [i, group] of groups.entries()) {
      await ctx.step(`Boot group ${i + 1} of ${groups.length} (order ${group[0].order}): ${group.length} VM(s)`);
      const results = await Promise.allSettled(group.map((m) => runMember(ctx, m, p.kind)));
      const failed = results.flatMap((r, k) => (r.status === 'rejected' ? [[group[k], r.reason] as const] : []));
      done.push(...results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
      if (failed.length) {
        const names = await db().vm.findMany({ where: { id: { in: failed.map(([m]) => m.vmId) } } });
        const name = (id: string) => names.find((v) => v.id === id)?.name ?? id;
        throw new Error(
          `${failed.map(([m, e]) => `VM ${name(m.vmId)} failed: ${errorMessage(e)}`).join('; ')}` +
            (done.length
              ? `; already ${p.kind === 'test' ? 'started' : 'failed over'}: ${done.map((s) => s.name).join(', ')}`
              : ''),
        );
      }
      await gate(
        ctx,
        results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
      );
      await ctx.progress((i + 1) / groups.length);
    }
    await audit('succeeded', {});
    return { kind: p.kind, vms: done.map((s) => ({ vmId: s.vmId, name: s.name, order: s.member.order })) };
  } catch (err) {
    const msg = errorMessage(err);
    await ctx.step(`Plan ${plan.name} failed: ${msg}`, 'error');
    await audit('failed', { error: msg });
    throw err;
  }
};
