import 'server-only';
import type { MigrateResult } from '@/lib/agent-protocol/migration';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { MIGRATION_STATE } from '@/lib/domain/migrations/dto';
import { VM_STATE_FROM_RUNTIME } from '@/lib/domain/vms/dto';
import type { Migration } from '@/lib/generated/prisma/client';
import { errorMessage } from '@/lib/errors';
import type { TaskContext } from '../context';

// The target runs the VM: the row moves there and the migration succeeded, with the transfer
// figures when they are known (a reconciled migration has none).
export async function recordOnTarget(m: Migration, rt: VmRuntime, res: MigrateResult | null): Promise<void> {
  const now = new Date();
  const figures = res
    ? {
        transferMs: Math.round(res.totalMs),
        downtimeMs: Math.round(res.downtimeMs),
        bytesTransferred: BigInt(Math.round(res.bytesTransferred)),
        diskBytes: BigInt(Math.round(res.diskBytes)),
      }
    : {};
  await db().$transaction([
    db().vm.update({
      where: { id: m.vmId },
      data: {
        hostId: m.targetHostId,
        diskPath: rt.diskPath,
        pool: rt.pool,
        state: VM_STATE_FROM_RUNTIME[rt.state],
        guestReady: rt.guestReady,
        lastMigratedAt: now,
        lastError: null,
      },
    }),
    db().migration.update({
      where: { id: m.id },
      data: {
        state: MIGRATION_STATE.succeeded,
        finishedAt: now,
        durationMs: now.getTime() - m.startedAt.getTime(),
        error: null,
        ...figures,
      },
    }),
  ]);
}

// Only now, with the VM recorded on the target, does the source drop its paused copy. A failure
// here leaves that copy behind (named in the step) but fails nothing: the VM runs on the target.
export async function releaseSource(ctx: TaskContext, m: Migration): Promise<string | null> {
  const what = m.mode === 'storage' ? 'its copy of the VM (directory and disk)' : "the VM's run files";
  try {
    const source = await agentFor(m.sourceHostId, { allowOffline: true });
    await source.finishOutgoing(m.vmId, { mode: m.mode as 'shared' | 'storage' });
    await ctx.step(`${source.hostName} removed ${what}`);
    return null;
  } catch (err) {
    const error = errorMessage(err);
    await ctx.step(
      `The VM runs on the target, but the source still holds ${what}: removing it failed (${error})`,
      'warn',
    );
    return error;
  }
}
