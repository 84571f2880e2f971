import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import type { TaskKind } from '@/lib/domain/tasks/kinds';
import { getTask } from '@/lib/domain/tasks/queries';
import { createTestDb } from '@/lib/testing/test-db';
import { waitFor } from '@/lib/wait-for';
import type { TaskHandler } from './context';
import { HANDLERS } from './handlers';
import { runTasks } from './runner';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const row = (kind: string, payload: string) =>
  db()
    .task.create({ data: { kind, title: kind, payload } })
    .then((t) => t.id);

describe('task runner', () => {
  it('fails a task it cannot run with a coded error and goes on with the next; a valid payload reaches its handler parsed', async () => {
    const ids = {
      wrongShape: await row('vm.start', JSON.stringify({ vmId: 42, previousState: 'stopped' })),
      extraKey: await row('backup.run', JSON.stringify({ jobId: 'j', trigger: 'manual', evil: true })),
      notJson: await row('host.evacuate', '{"hostId":'),
      unknownKind: await row('constructor', '{}'),
      valid: await row('vm.start', JSON.stringify({ vmId: 'vm-gone', previousState: 'stopped' })),
    };
    const log: string[] = [];
    let stop = false;
    const running = runTasks(
      { workerId: 'w-test', concurrency: 2, pollMs: 10, log: (m) => void log.push(m) },
      () => stop,
    );
    try {
      await waitFor(
        'every task settled',
        async () => ((await db().task.count({ where: { state: { in: ['queued', 'running'] } } })) === 0 ? true : null),
        10_000,
        20,
      );
    } finally {
      stop = true;
      await running;
    }
    const outcome = async (id: string) => {
      const t = await getTask(id);
      return { state: t.state, code: t.error?.code, message: t.error?.message, lastStep: t.steps!.at(-1)!.message };
    };
    expect(await outcome(ids.wrongShape)).toMatchObject({
      state: 'failed',
      code: 'TASK_PAYLOAD_INVALID',
      message: expect.stringMatching(/vm\.start task .*vmId: /),
    });
    expect(await outcome(ids.extraKey)).toMatchObject({
      state: 'failed',
      code: 'TASK_PAYLOAD_INVALID',
      message: expect.stringContaining('evil'),
    });
    expect(await outcome(ids.notJson)).toMatchObject({
      state: 'failed',
      code: 'TASK_PAYLOAD_INVALID',
      lastStep: expect.stringContaining('not JSON'),
    });
    expect(await outcome(ids.unknownKind)).toMatchObject({
      state: 'failed',
      code: 'TASK_KIND_UNKNOWN',
      message: 'No task kind "constructor"',
    });
    // The handler ran with the parsed payload: it looked the VM up by its id.
    expect(await outcome(ids.valid)).toMatchObject({
      state: 'failed',
      code: 'NO_SUCH_OBJECT',
      message: 'No VM "vm-gone"',
    });
    expect(log.filter((l) => l.includes(': failed: '))).toHaveLength(5);
  });

  it('has a handler for every kind, each typed by its own payload', () => {
    const { 'vm.create': dropped, ...rest } = HANDLERS;
    // @ts-expect-error a kind without a handler does not type-check
    const missing: { [K in TaskKind]: TaskHandler<K> } = rest;
    // @ts-expect-error a handler for another kind's payload does not type-check
    const swapped: { [K in TaskKind]: TaskHandler<K> } = { ...HANDLERS, 'vm.create': HANDLERS['backup.run'] };
    expect([dropped, missing, swapped].every(Boolean)).toBe(true);
  });
});
