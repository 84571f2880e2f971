import 'server-only';
import { db } from '@/lib/db/client';
import { claimNextTask, LEASE_MS, renewLease } from '@/lib/domain/tasks/claim';
import { failTask, finishTask } from '@/lib/domain/tasks/service';
import {
  isTaskKind,
  parseTaskPayload,
  URGENT_SLOTS,
  URGENT_TASK_KINDS,
  type TaskKind,
  type TaskPayload,
} from '@/lib/domain/tasks/kinds';
import { errorMessage, taskKindUnknown } from '@/lib/errors';
import { sleep } from '@/lib/wait-for';
import { makeContext, type TaskContext, type TaskHandler } from './context';
import { HANDLERS } from './handlers';

export type RunnerOptions = { workerId: string; concurrency: number; pollMs: number; log: (msg: string) => void };

// Generic over the kind, so the checker pairs each handler with its own payload type.
function runHandler<K extends TaskKind>(kind: K, ctx: TaskContext, payload: TaskPayload<K>): Promise<unknown> {
  const handler: TaskHandler<K> = HANDLERS[kind];
  return handler(ctx, payload);
}

// A row the worker cannot run (unknown kind, payload its schema refuses) fails with a coded error.
async function runOne(
  opts: RunnerOptions,
  claimed: NonNullable<Awaited<ReturnType<typeof claimNextTask>>>,
): Promise<void> {
  const task = await db().task.findUniqueOrThrow({ where: { id: claimed.id } });
  const ctx = makeContext(task.id, { id: task.createdById, name: task.createdByName ?? 'system' }, claimed.recovered);
  const renew = setInterval(() => void renewLease(task.id, opts.workerId).catch(() => {}), LEASE_MS / 3);
  opts.log(`task ${task.id} ${task.kind}${claimed.recovered ? ' (recovered from a dead worker)' : ''}: started`);
  try {
    if (!isTaskKind(task.kind)) throw taskKindUnknown(task.kind);
    const payload = parseTaskPayload(task.kind, claimed.payload);
    if (claimed.recovered) await ctx.step('Picked up by a new worker after the previous one stopped', 'warn');
    const result = await runHandler(task.kind, ctx, payload);
    await finishTask(task.id, result);
    opts.log(`task ${task.id} ${task.kind}: succeeded`);
  } catch (err) {
    await failTask(task.id, err);
    opts.log(`task ${task.id} ${task.kind}: failed: ${errorMessage(err)}`);
  } finally {
    clearInterval(renew);
  }
}

// Claims tasks while below the concurrency limit (urgent kinds first, and up to URGENT_SLOTS more
// of those when the limit is reached); each runs to completion on its own.
export async function runTasks(opts: RunnerOptions, stopped: () => boolean): Promise<void> {
  const running = new Set<Promise<void>>();
  while (!stopped()) {
    const room = running.size < opts.concurrency;
    if (room || running.size < opts.concurrency + URGENT_SLOTS) {
      const claimed = await claimNextTask(opts.workerId, room ? undefined : URGENT_TASK_KINDS).catch((err) => {
        opts.log(`claim failed: ${errorMessage(err)}`);
        return null;
      });
      if (claimed) {
        const p = runOne(opts, claimed).finally(() => running.delete(p));
        running.add(p);
        continue;
      }
    }
    await sleep(opts.pollMs);
  }
  await Promise.allSettled(running);
}
