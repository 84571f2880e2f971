import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createTestDb } from '@/lib/testing/test-db';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { claimNextTask } from './claim';
import { enqueueTask, failTask, finishTask } from './service';
import { getTask } from './queries';
import { AppError } from '@/lib/errors';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

describe('task claiming', () => {
  it('gives each queued task to one worker, oldest first, and hands an expired lease to another', async () => {
    const a = await enqueueTask({
      kind: 'vm.start',
      title: 'a',
      payload: { vmId: 'vm-a', previousState: 'stopped' },
      actor: SYSTEM_ACTOR,
    });
    const b = await enqueueTask({
      kind: 'vm.start',
      title: 'b',
      payload: { vmId: 'vm-b', previousState: 'crashed' },
      actor: SYSTEM_ACTOR,
    });
    const [c1, c2, c3] = await Promise.all([claimNextTask('w1'), claimNextTask('w2'), claimNextTask('w3')]);
    const ids = [c1, c2, c3].filter(Boolean).map((c) => c!.id);
    expect(ids.sort()).toEqual([a, b].sort());
    await db().task.update({ where: { id: a }, data: { leaseExpiresAt: new Date(Date.now() - 1) } });
    const again = await claimNextTask('w4');
    expect(again).toMatchObject({ id: a, recovered: true });
    expect((await db().task.findUniqueOrThrow({ where: { id: a } })).attempts).toBe(2);
  });

  it('claims an HA restart before older tasks, and only urgent kinds when asked for them', async () => {
    const backup = await enqueueTask({
      kind: 'backup.run',
      title: 'backup',
      payload: { jobId: 'j1', trigger: 'manual' },
      actor: SYSTEM_ACTOR,
    });
    const restart = await enqueueTask({
      kind: 'vm.ha-restart',
      title: 'restart',
      payload: { restartId: 'r1' },
      actor: SYSTEM_ACTOR,
    });
    expect(await claimNextTask('w1', ['vm.ha-restart'])).toMatchObject({ id: restart });
    expect(await claimNextTask('w1', ['vm.ha-restart'])).toBeNull();
    const later = await enqueueTask({
      kind: 'vm.ha-restart',
      title: 'restart 2',
      payload: { restartId: 'r2' },
      actor: SYSTEM_ACTOR,
    });
    expect(await claimNextTask('w2')).toMatchObject({ id: later });
    expect(await claimNextTask('w2')).toMatchObject({ id: backup });
  });

  it('records results and coded errors with a step log', async () => {
    const ok = await enqueueTask({
      kind: 'host.evacuate',
      title: 'ok',
      payload: { hostId: 'h1' },
      actor: SYSTEM_ACTOR,
    });
    await finishTask(ok, { n: 1 });
    expect(await getTask(ok)).toMatchObject({ state: 'succeeded', progress: 1, result: { n: 1 }, error: null });
    const bad = await enqueueTask({
      kind: 'host.evacuate',
      title: 'bad',
      payload: { hostId: 'h1' },
      actor: SYSTEM_ACTOR,
    });
    await failTask(bad, new AppError('QEMU_ERROR', 'qemu-img: disk full', 500));
    const t = await getTask(bad);
    expect(t).toMatchObject({ state: 'failed', error: { code: 'QEMU_ERROR', message: 'qemu-img: disk full' } });
    expect(t.steps!.map((s) => s.message)).toEqual(['Queued by system', 'Failed: qemu-img: disk full']);
    await expect(getTask('nope')).rejects.toMatchObject({ status: 404 });
  });
});
