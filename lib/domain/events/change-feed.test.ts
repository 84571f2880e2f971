import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { enqueueTask } from '@/lib/domain/tasks/service';
import { operator, seedHost, viewer } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { changeFeed, type ChangeEvent } from './change-feed';
import { openEventStream } from './event-stream';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

// Collects events until one satisfies `until` (the feed looks every 200 ms).
function next(until: (e: ChangeEvent) => boolean): Promise<ChangeEvent> {
  return new Promise((resolve) => {
    const off = changeFeed.subscribe((e) => {
      if (!until(e)) return;
      off();
      resolve(e);
    });
  });
}

describe('change feed', () => {
  it('reports VMs written by anyone, task progress and ended tasks; stops looking without listeners', async () => {
    const host = await seedHost('h1');
    await db().vm.create({
      data: { id: 'vm-a', name: 'a', hostId: host.id, vcpus: 1, memoryMiB: 128, diskSizeBytes: BigInt(1) },
    });
    const vmSeen = next((e) => e.vms.includes('vm-a'));
    await new Promise((r) => setTimeout(r, 50)); // the feed's first look sets its mark
    await db().vm.update({ where: { id: 'vm-a' }, data: { state: 'running' } });
    expect((await vmSeen).vms).toEqual(['vm-a']);

    const taskId = await enqueueTask({
      kind: 'vm.start',
      title: 't',
      target: { type: 'vm', id: 'vm-a' },
      payload: { vmId: 'vm-a', previousState: 'stopped' },
      actor: SYSTEM_ACTOR,
    });
    const progress = next((e) => e.tasks.includes(taskId));
    expect((await progress).tasks).toContain(taskId);
    const ended = next((e) => e.finished.includes(taskId));
    await db().task.update({
      where: { id: taskId },
      data: { state: 'succeeded', finishedAt: new Date(Date.now() + 1000) },
    });
    expect((await ended).finished).toEqual([taskId]);
    expect(changeFeed.size).toBe(0);
  });

  it('passes on what this process publishes, at once', async () => {
    const seen = next((e) => e.vms.includes('vm-z'));
    changeFeed.publish({ vms: ['vm-z'] });
    expect(await seen).toEqual({ vms: ['vm-z'], tasks: [], finished: [] });
  });
});

describe('event stream', () => {
  it('streams change events and bounds the streams a user may hold open', async () => {
    const aborts = Array.from({ length: 8 }, () => new AbortController());
    const responses = aborts.map((a) => openEventStream(operator, a.signal));
    expect(responses[0].headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(() => openEventStream(operator, new AbortController().signal)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED' }),
    );
    const other = new AbortController();
    const reader = openEventStream(viewer, other.signal).body!.getReader(); // another user is not limited by the first
    changeFeed.publish({ vms: ['vm-q'] });
    let text = '';
    while (!text.includes('vm-q')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: ready');
    expect(text).toContain('event: change\ndata: {"vms":["vm-q"],"tasks":[],"finished":[]}');
    aborts[0].abort();
    openEventStream(operator, new AbortController().signal); // a closed stream frees its place
    for (const a of [...aborts, other]) a.abort();
  });
});
