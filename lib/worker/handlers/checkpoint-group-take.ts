import 'server-only';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { groupCaptureResultSchema, type GroupCaptureResult } from '@/lib/agent-protocol/snapshots';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { AppError, errorMessage, noSuchObject } from '@/lib/errors';
import type { Vm } from '@/lib/generated/prisma/client';
import type { TaskContext, TaskHandler } from '../context';
import { snapshotData, vmFromHost } from './snapshot-ops';

// The agents resume paused members by themselves after this long without a capture (a worker
// that died between the phases never leaves VMs paused).
const HOLD_MS = 10_000;

export type HostMembers = { hostId: string; agent: AgentClient; vms: Vm[] };

// Members grouped by host, each host's agent once. A missing VM refuses the whole group.
export async function membersByHost(vmIds: string[]): Promise<HostMembers[]> {
  const vms = await db().vm.findMany({ where: { id: { in: vmIds } } });
  const missing = vmIds.filter((id) => !vms.some((v) => v.id === id));
  if (missing.length) throw noSuchObject('VM', missing.join(', '));
  const hosts = [...new Set(vms.map((v) => v.hostId))];
  return Promise.all(
    hosts.map(async (hostId) => ({
      hostId,
      agent: await agentFor(hostId),
      vms: vms.filter((v) => v.hostId === hostId),
    })),
  );
}

// Member point ids follow from the group id and the member's place: a recovered task finds them.
export const memberPointId = (groupId: string, vmIds: string[], vmId: string) => `${groupId}-${vmIds.indexOf(vmId)}`;

// Every host's answer; the first failure is thrown (named by host) once all have answered.
async function onAllHosts<T>(
  hosts: HostMembers[],
  fn: (h: HostMembers) => Promise<T>,
): Promise<{ results: (T | null)[]; error: AppError | Error | null }> {
  const settled = await Promise.allSettled(hosts.map(fn));
  const failed = settled
    .map((s, i) => (s.status === 'rejected' ? { host: hosts[i], reason: s.reason as unknown } : null))
    .find((x) => x);
  const error = failed
    ? failed.reason instanceof AppError
      ? failed.reason
      : new Error(`${failed.host.agent.hostName}: ${errorMessage(failed.reason)}`)
    : null;
  return { results: settled.map((s) => (s.status === 'fulfilled' ? s.value : null)), error };
}

export async function resumeAll(ctx: TaskContext, groupId: string, hosts: HostMembers[]): Promise<void> {
  const { error } = await onAllHosts(hosts, (h) => h.agent.groupResume({ groupId, vmIds: h.vms.map((v) => v.id) }));
  await ctx.step(
    error
      ? `Releasing the members failed on a host: ${errorMessage(error)} (its agent resumes them by itself within ${HOLD_MS / 1000} s)`
      : 'Every member released (resumed where paused)',
    error ? 'warn' : 'info',
  );
}

// Prepare every member on every host (VMs running) -> pause every member on every host at once -> capture every member
// on every host at once (each VM
// resumes as soon as its own snapshot started) -> register the group and its snapshots in one
// transaction. Any failure resumes everyone and drops the points already captured on other hosts.
export const groupTakeHandler: TaskHandler<'checkpoint-group.take'> = async (ctx, p) => {
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'checkpoint-group.take',
      target: { type: 'checkpoint-group', id: p.groupId, name: p.name },
      result,
      detail: { taskId: ctx.id, vmIds: p.vmIds, ...detail },
    });
  let hosts: HostMembers[] = [];
  try {
    if (ctx.recovered)
      throw new Error('The worker taking this group checkpoint stopped before it finished; nothing was registered');
    hosts = await membersByHost(p.vmIds);
    const kind = p.memory ? 'memory' : 'disk';
    await ctx.step(
      `Pausing ${p.vmIds.length} VMs on ${hosts.length} host(s) at once, then capturing every member (${p.memory ? 'disk + memory' : 'disk only, crash-consistent'})`,
    );
    const itemsOf = (h: HostMembers) =>
      h.vms.map((v) => ({ vmId: v.id, pointId: memberPointId(p.groupId, p.vmIds, v.id) }));
    // Every host checks, locks and readies its members' points while they still run, so no host
    // stops its VMs while another is still preparing: the pause is the QMP transactions only.
    const prepared = await onAllHosts(hosts, (h) =>
      h.agent.groupPrepare({
        groupId: p.groupId,
        vmIds: h.vms.map((v) => v.id),
        holdMs: HOLD_MS,
        prepare: { kind, items: itemsOf(h) },
      }),
    );
    if (prepared.error) {
      await resumeAll(ctx, p.groupId, hosts);
      throw prepared.error;
    }
    const paused = await onAllHosts(hosts, (h) =>
      h.agent.groupPause({ groupId: p.groupId, vmIds: h.vms.map((v) => v.id), holdMs: HOLD_MS }),
    );
    if (paused.error) {
      await resumeAll(ctx, p.groupId, hosts);
      throw paused.error;
    }
    // Nothing else between the phases (not even a task step: a database write) while the VMs wait.
    const captured = await onAllHosts(hosts, async (h) => {
      const op = await h.agent.groupCapture({ groupId: p.groupId, kind, items: itemsOf(h) });
      return groupCaptureResultSchema.parse(
        (await waitForOperation(h.agent, op.id, undefined, { intervalMs: 200, timeoutMs: 30 * 60_000 })).result,
      );
    });
    if (captured.error) {
      await resumeAll(ctx, p.groupId, hosts);
      await dropCaptured(ctx, hosts, captured.results);
      throw captured.error;
    }
    const results = captured.results as GroupCaptureResult[];
    const stoppedAt = paused.results.flatMap((r) => r!.paused.map((x) => x.stoppedAt));
    const resumedAt = results.flatMap((r) => r.points.map((x) => x.resumedAt));
    const firstStop = Math.min(...stoppedAt);
    const lastResume = Math.max(...resumedAt);
    const pauseMs = Math.max(0, Math.round(lastResume - firstStop)); // hosts' wall clocks
    await ctx.progress(0.9);
    const vmsById = new Map(hosts.flatMap((h) => h.vms.map((v) => [v.id, { vm: v, agent: h.agent }] as const)));
    const points = results.flatMap((r) => r.points);
    const disks = new Map(
      await Promise.all(
        points.map(
          async (x) =>
            [x.vmId, (await vmFromHost(vmsById.get(x.vmId)!.agent, x.vmId).catch(() => null))?.diskPath] as const,
        ),
      ),
    );
    await db().$transaction(async (tx) => {
      await tx.checkpointGroup.create({
        data: {
          id: p.groupId,
          name: p.name,
          memory: p.memory,
          vmIds: JSON.stringify(p.vmIds),
          firstStopAt: new Date(firstStop),
          lastResumeAt: new Date(lastResume),
          pauseMs,
          createdBy: ctx.actor.name,
        },
      });
      for (const x of points) {
        const vm = vmsById.get(x.vmId)!.vm;
        await tx.snapshot.create({
          data: snapshotData(
            vm,
            { ...x.point, groupId: p.groupId },
            { name: p.name, description: null, scheduleId: null },
            ctx.actor.name,
          ),
        });
        const diskPath = disks.get(x.vmId);
        await tx.vm.update({
          where: { id: vm.id },
          data: { currentSnapshotId: x.point.id, ...(diskPath && { diskPath }) },
        });
      }
    });
    await ctx.step(
      `Group checkpoint registered: ${points.length} VMs, group pause ${pauseMs} ms (first stop to last resume)`,
    );
    await audit('succeeded', { pauseMs });
    return {
      groupId: p.groupId,
      pauseMs,
      points: points.map((x) => ({ vmId: x.vmId, snapshotId: x.point.id, pauseMs: x.point.pauseMs })),
    };
  } catch (err) {
    await ctx.step(`Group checkpoint failed: ${errorMessage(err)}`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};

// Points a host captured while another host failed: not registered, so removed again (best effort).
async function dropCaptured(
  ctx: TaskContext,
  hosts: HostMembers[],
  results: (GroupCaptureResult | null)[],
): Promise<void> {
  for (const [i, r] of results.entries()) {
    for (const x of r?.points ?? []) {
      try {
        await waitForOperation(hosts[i].agent, (await hosts[i].agent.deletePoint(x.vmId, x.point.id)).id, undefined, {
          intervalMs: 250,
        });
        await ctx.step(`Removed the unregistered point ${x.point.id} of ${x.vmId}`, 'warn');
      } catch (err) {
        await ctx.step(
          `Could not remove the unregistered point ${x.point.id} of ${x.vmId}: ${errorMessage(err)}`,
          'warn',
        );
      }
    }
  }
}
