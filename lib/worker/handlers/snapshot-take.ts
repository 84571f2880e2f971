import 'server-only';
import type { AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { recordAudit } from '@/lib/domain/audit/service';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskHandler } from '../context';
import { describePoint, register, takeAndRegister } from './snapshot-ops';

// A snapshot (disk) or checkpoint (disk + memory) of one VM. The row is written only once the
// agent returned the complete point; a worker that died mid-way registers the point if the agent
// has it (it is complete there), else the task fails with nothing registered.
export const snapshotTakeHandler: TaskHandler<'snapshot.take'> = async (ctx, p) => {
  const vm = await db().vm.findUnique({ where: { id: p.vmId }, include: { host: { select: { name: true } } } });
  if (!vm) throw noSuchObject('VM', p.vmId);
  const action = p.memory ? 'snapshot.checkpoint' : 'snapshot.take';
  const audit = (result: 'succeeded' | 'failed', detail: Record<string, unknown>) =>
    recordAudit({
      actor: ctx.actor,
      action,
      target: { type: 'vm', id: vm.id, name: vm.name },
      result,
      detail: { taskId: ctx.id, snapshotId: p.snapshotId, name: p.name, ...detail },
    });
  let agent: AgentClient | null = null;
  try {
    agent = await agentFor(vm.hostId);
    if (ctx.recovered) {
      const there = (await agent.vmPoints(vm.id)).points.find((x) => x.id === p.snapshotId);
      if (!there) throw new Error('The worker taking this snapshot stopped before it finished; nothing was registered');
      await register(agent, vm, there, p, ctx.actor.name);
      await ctx.step(`The agent had finished the point before the worker stopped: ${describePoint(there)}`);
      await audit('succeeded', { recovered: true });
      return { snapshotId: there.id };
    }
    await ctx.step(
      `${p.memory ? 'Checkpoint with memory' : 'Disk snapshot'} "${p.name}" of VM ${vm.name} on ${vm.host.name}`,
    );
    const point = await takeAndRegister(ctx, agent, vm, p);
    await ctx.step(`Registered ${describePoint(point)}`);
    await audit('succeeded', {
      layerBytes: point.layerBytes,
      stateBytes: point.stateBytes,
      pauseMs: point.pauseMs,
      downtimeMs: point.downtimeMs,
    });
    return {
      snapshotId: point.id,
      kind: point.kind,
      layerBytes: point.layerBytes,
      stateBytes: point.stateBytes,
      pauseMs: point.pauseMs,
      downtimeMs: point.downtimeMs,
    };
  } catch (err) {
    await ctx.step(`Snapshot failed: ${errorMessage(err)}`, 'error');
    await audit('failed', { error: errorMessage(err) });
    throw err;
  }
};
