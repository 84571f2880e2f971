import 'server-only';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { errorMessage, noSuchObject } from '@/lib/errors';
import type { TaskContext } from '../context';

// Removes a VM from its host (process, disks, directory) and from the database. A VM the agent
// does not know is already gone there. If the agent cannot be reached the row is kept in state
// 'error' rather than dropped, so the disk left on the host is not forgotten; the reason is
// returned (null when the VM is gone everywhere).
export async function removeVmEverywhere(ctx: TaskContext, hostId: string, vmId: string): Promise<string | null> {
  try {
    const agent = await agentFor(hostId);
    await agent.deleteVm(vmId);
  } catch (err) {
    if (!noSuchObject.is(err)) {
      const msg = `Could not remove the VM from its host: ${errorMessage(err)}`;
      await ctx.step(msg, 'error');
      await db().vm.update({ where: { id: vmId }, data: { state: 'error', lastError: msg } });
      return msg;
    }
  }
  // Its snapshots' files went with its directory: their rows go too (group rows keep the history).
  await db().$transaction([
    db().metricSample.deleteMany({ where: { vmId } }),
    db().metricRollup.deleteMany({ where: { vmId } }),
    db().snapshot.deleteMany({ where: { vmId } }),
    db().vm.delete({ where: { id: vmId } }),
  ]);
  return null;
}
