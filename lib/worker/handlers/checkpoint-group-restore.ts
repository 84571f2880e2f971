import 'server-only';
import { waitForOperation } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { membersByHost, resumeAll, type HostMembers } from './checkpoint-group-take';
import { vmFromHost } from './snapshot-ops';

// Every member back to the group's instant: each host reverts its members and leaves them paused
// (resume:false), all hosts in parallel; then all resume together. Members whose snapshot was
// deleted since are left out (named in a step). The rows follow the hosts' answers.
export const groupRestoreHandler: TaskHandler<'checkpoint-group.restore'> = async (ctx, { groupId }) => {
  const group = await db().checkpointGroup.findUnique({ where: { id: groupId } });
  if (!group) throw noSuchObject('checkpoint group', groupId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'checkpoint-group.restore',
      target: { type: 'checkpoint-group', id: groupId, name: group.name },
      result,
      detail: { taskId: ctx.id, ...detail },
    });
  let hosts: HostMembers[] = [];
  try {
    if (ctx.recovered)
      throw new Error(
        'The worker restoring this group stopped before it finished; the members may be paused: check them',
      );
    const snapshots = await db().snapshot.findMany({ where: { groupId } });
    const pointOf = new Map(snapshots.map((s) => [s.vmId, s.id]));
    const gone = (JSON.parse(group.vmIds) as string[]).filter((id) => !pointOf.has(id));
    if (gone.length) await ctx.step(`Left out (their snapshot of this group is gone): ${gone.join(', ')}`, 'warn');
    hosts = await membersByHost(snapshots.map((s) => s.vmId));
    await ctx.step(
      `Reverting ${snapshots.length} VMs on ${hosts.length} host(s) to the group's instant; they wait paused`,
    );
    const t0 = Date.now();
    const reverted = await Promise.allSettled(
      hosts.map(async (h) => {
        const op = await h.agent.groupRevert({
          groupId,
          items: h.vms.map((v) => ({ vmId: v.id, pointId: pointOf.get(v.id)! })),
          resume: false,
        });
        await waitForOperation(h.agent, op.id, undefined, { intervalMs: 200, timeoutMs: 30 * 60_000 });
      }),
    );
    const failed = reverted.findIndex((r) => r.status === 'rejected');
    await ctx.progress(0.8);
    await resumeAll(ctx, groupId, hosts);
    const revertMs = Date.now() - t0;
    // The rows follow what each host reports, whichever way it went.
    for (const h of hosts)
      for (const v of h.vms) {
        const now = await vmFromHost(h.agent, v.id).catch(() => null);
        const ok = reverted[hosts.indexOf(h)].status === 'fulfilled';
        await db().vm.update({
          where: { id: v.id },
          data: { ...(now ?? {}), ...(ok && { currentSnapshotId: pointOf.get(v.id)!, lastError: null }) },
        });
      }
    if (failed >= 0) {
      const reason = (reverted[failed] as PromiseRejectedResult).reason as unknown;
      throw reason instanceof Error ? reason : new Error(`${hosts[failed].agent.hostName}: ${errorMessage(reason)}`);
    }
    await ctx.step(`All ${snapshots.length} VMs are back at the group's instant (${revertMs} ms)`);
    await audit('succeeded', { revertMs, vmIds: snapshots.map((s) => s.vmId) });
    return { groupId, revertMs, vmIds: snapshots.map((s) => s.vmId) };
  } catch (err) {
    await ctx.step(`Group restore failed: ${errorMessage(err)}`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
