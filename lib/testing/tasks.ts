// The real worker in integration tests, and waiting for the tasks it runs.
import { expect } from 'vitest';
import type { TaskDto } from '@/lib/domain/tasks/dto';
import { getTask } from '@/lib/domain/tasks/queries';
import { waitFor } from '@/lib/wait-for';
import { runTasks } from '@/lib/worker/runner';

// A task once it settled (succeeded, failed or cancelled), with its steps.
export const settled = (taskId: string, timeoutMs = 300_000): Promise<TaskDto> =>
  waitFor(
    `task ${taskId}`,
    async () => ((await getTask(taskId)).state.match(/succeeded|failed|cancelled/) ? getTask(taskId) : null),
    timeoutMs,
    250,
  );

// A task that must succeed: its error is the failure message otherwise.
export async function succeeded(taskId: string, timeoutMs?: number): Promise<TaskDto> {
  const t = await settled(taskId, timeoutMs);
  expect(t.state, `${t.title}: ${t.error?.message}`).toBe('succeeded');
  return t;
}

// The worker runner in this process (quiet, polling fast); stop() lets its running tasks finish.
export function startTestWorker(concurrency = 3, workerId = 'test-worker'): { stop(): Promise<void> } {
  let stopped = false;
  const done = runTasks({ workerId, concurrency, pollMs: 100, log: () => {} }, () => stopped);
  return { stop: () => ((stopped = true), done) };
}
