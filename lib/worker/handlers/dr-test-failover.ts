import 'server-only';
import { waitForOperation, type AgentClient } from '@/lib/agent-client';
import { vmRuntimeSchema } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { jobWithVms } from '@/lib/domain/dr/checks';
import { agentFor } from '@/lib/domain/hosts/agents';
import { VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { awaitReplicationRuns } from '../dr-run-wait';

// A test failover: the dr-test VM (row made at request time) starts on the target from a replica
// point, on an overlay of its own, with no network device. The source and the replication are
// untouched. On failure the copy is removed on the agent (if it got that far) and its row goes.
export const drTestFailoverHandler: TaskHandler<'dr.test-failover'> = async (ctx, p) => {
  const j = await jobWithVms(p.jobId);
  const test = await db().vm.findUnique({ where: { id: p.vmId } });
  if (!test) throw noSuchObject('VM', p.vmId);
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action: 'dr.test-failover',
      target: { type: 'vm', id: j.vm.id, name: j.vm.name },
      result,
      detail: {
        taskId: ctx.id,
        jobId: j.job.id,
        pointId: p.pointId,
        testVmId: test.id,
        testVmName: test.name,
        ...detail,
      },
    });
  let agent: AgentClient | null = null;
  try {
    if (ctx.recovered) throw new Error('The worker starting this test copy stopped before it finished');
    // A run in flight writes the replica: the copy starts once it committed (or was cancelled).
    await awaitReplicationRuns(ctx, p.jobId);
    agent = await agentFor(j.replica.hostId);
    await ctx.step(
      `Starting ${test.name} on ${j.replica.host.name} from point ${p.pointId} (isolated: no network device)`,
    );
    await ctx.progress(0.2);
    const op = await agent.testFailover(j.replica.id, { pointId: p.pointId, spec: { id: test.id, name: test.name } });
    const done = await waitForOperation(agent, op.id, undefined, { intervalMs: 250, timeoutMs: 10 * 60_000 });
    const rt = vmRuntimeSchema.parse(done.result);
    await db().vm.update({
      where: { id: test.id },
      data: { state: VM_STATE_FROM_RUNTIME[rt.state], diskPath: rt.diskPath, pool: rt.pool, guestReady: rt.guestReady },
    });
    await ctx.step(`${test.name} is ${VM_STATE_FROM_RUNTIME[rt.state]}; discard it by deleting the VM`);
    await audit('succeeded', {});
    return { vmId: test.id, state: VM_STATE_FROM_RUNTIME[rt.state] };
  } catch (err) {
    await ctx.step(`Test failover failed: ${errorMessage(err)}`, 'error');
    const a = agent ?? (await agentFor(j.replica.hostId).catch(() => null));
    await a?.deleteVm(test.id).catch(() => undefined); // a copy the agent may have made
    await db().vm.delete({ where: { id: test.id } });
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
