import 'server-only';
import { setTimeout as sleep } from 'node:timers/promises';
import { db } from '@/lib/db/client';
import { DR_TASK_TARGET } from '@/lib/domain/dr/queries';
import { TASK_STATE } from '@/lib/domain/tasks/dto';
import { conflict } from '@/lib/errors';
import type { TaskContext } from './context';

// A failover, test failover or switch back accepted while a replication run of its job was queued
// or running (lib/domain/dr/failover.ts, failback.ts): the queued run is cancelled (the failover takes its own data), a
// running one is waited for, bounded, so two transfers never write the replica at once. The
// scheduler starts no run meanwhile (the failover task is active on the job).

export const RUN_WAIT_MS = 5 * 60_000;

export async function awaitReplicationRuns(
  ctx: TaskContext,
  jobId: string,
  { timeoutMs = RUN_WAIT_MS, pollMs = 1_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const runs = await db().task.findMany({
      where: {
        targetType: DR_TASK_TARGET,
        targetId: jobId,
        kind: 'replication.run',
        state: { in: [TASK_STATE.queued, TASK_STATE.running] },
      },
      select: { id: true, state: true },
    });
    for (const r of runs.filter((x) => x.state === TASK_STATE.queued)) {
      // Conditional: a worker that claimed it meanwhile makes it a running one, waited for below.
      const n = await db().task.updateMany({
        where: { id: r.id, state: TASK_STATE.queued },
        data: {
          state: TASK_STATE.cancelled,
          finishedAt: new Date(),
          errorCode: 'CANCELLED',
          errorMessage: `Not needed: task ${ctx.id} took the job`,
        },
      });
      if (n.count === 1) await ctx.step(`Cancelled the queued replication run (task ${r.id})`);
    }
    const running = await db().task.findFirst({
      where: { id: { in: runs.map((r) => r.id) }, state: TASK_STATE.running },
      select: { id: true },
    });
    if (!running) return;
    if (Date.now() >= deadline)
      throw conflict(`The replication run in flight (task ${running.id}) did not finish within ${timeoutMs / 1000} s`, {
        taskId: running.id,
      });
    if (!told) await ctx.step(`Waiting for the replication run in flight (task ${running.id}) to finish`);
    told = true;
    await sleep(pollMs);
  }
}
