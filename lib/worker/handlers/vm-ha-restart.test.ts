import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { MAX_RESTART_ATTEMPTS } from '@/lib/domain/ha/restarts';
import { leaseHeld } from '@/lib/errors';
import { clearTables, seedHost } from '@/lib/testing/fixtures';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { haRestartHandler } from './vm-ha-restart';

const testDb = createTestDb();
let agent: FakeAgent | null = null;
afterEach(async () => {
  await agent?.close();
  agent = null;
});
afterAll(() => testDb.cleanup());
beforeEach(() => clearTables('taskStep', 'task', 'haRestart', 'haEvent', 'auditEvent', 'vm', 'host'));

const runtime = (guestReady: boolean): VmRuntime => ({
  id: 'vm-a',
  name: 'vm-a',
  state: 'running',
  pid: 4242,
  pool: 'shared',
  diskPath: '/shared/pool/vms/vm-a/disk0.qcow2',
  startedAt: null,
  vcpus: 1,
  memoryMiB: 128,
  accelerator: 'tcg',
  guestReady,
});

async function setUp(routes: Parameters<typeof startFakeAgent>[0]) {
  agent = await startFakeAgent(routes);
  const from = await seedHost('h1', { online: false });
  const target = await seedFakeAgentHost('h2', agent);
  await db().vm.create({
    data: {
      id: 'vm-a',
      name: 'vm-a',
      hostId: from.id,
      state: 'running',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: BigInt(1),
      pool: 'shared',
      haEnabled: true,
    },
  });
  const failedAt = new Date(Date.now() - 9_000);
  const r = await db().haRestart.create({
    data: {
      vmId: 'vm-a',
      vmName: 'vm-a',
      fromHostId: from.id,
      targetHostId: target.id,
      state: 'restarting',
      failedAt,
      detectedAt: new Date(Date.now() - 1_000),
      decidedAt: new Date(Date.now() - 900),
    },
  });
  const task = await db().task.create({
    data: { kind: 'vm.ha-restart', title: 't', state: 'running', targetType: 'vm', targetId: 'vm-a' },
  });
  return { from, target, r, ctx: makeContext(task.id, SYSTEM_ACTOR, false) };
}

describe('vm.ha-restart', () => {
  it('takes the VM over from the failed host, moves it, waits for the guest and records the timeline', async () => {
    let polls = 0;
    const { from, target, r, ctx } = await setUp({
      'POST /v1/ha/takeover': () => fakeOperation('op-t', { kind: 'ha.takeover', state: 'running', progress: 0 }),
      'GET /v1/operations/:id': () => fakeOperation('op-t', { kind: 'ha.takeover', result: runtime(false) }),
      'GET /v1/vms/:id': () => runtime(++polls >= 3),
    });
    const out = await haRestartHandler(ctx, { restartId: r.id });
    expect(agent!.callsTo('POST /v1/ha/takeover')[0].body).toEqual({ vmId: 'vm-a', fromHost: 'h1' });
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      hostId: target.id,
      state: 'running',
      guestReady: true,
      lastError: null,
    });
    const done = await db().haRestart.findUniqueOrThrow({ where: { id: r.id } });
    expect(done.state).toBe('running');
    expect(done.qemuUpAt!.getTime()).toBeGreaterThanOrEqual(done.decidedAt!.getTime());
    expect(done.guestReadyAt!.getTime()).toBeGreaterThanOrEqual(done.qemuUpAt!.getTime());
    expect(out).toMatchObject({ restartId: r.id, hostId: target.id });
    expect((await db().haEvent.findFirstOrThrow()).message).toMatch(
      /vm-a runs on h2: QEMU up \d+\.\d s, guest ready \d+\.\d s after the failure/,
    );
    expect((await db().auditEvent.findFirstOrThrow()).action).toBe('vm.ha-restart');
    expect(from.id).not.toBe(target.id);
  });

  it('gives the restart back to the monitor when the agent refuses, and fails it after the last attempt', async () => {
    const { r, ctx } = await setUp({
      'POST /v1/ha/takeover': () => {
        throw leaseHeld('h1', 'its lease is live here', { unchangedForMs: 300, timeoutMs: 8000 });
      },
    });
    await expect(haRestartHandler(ctx, { restartId: r.id })).rejects.toMatchObject({ code: 'LEASE_HELD' });
    expect(await db().haRestart.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      state: 'pending',
      attempts: 1,
      targetHostId: null,
      decidedAt: null,
      reason: expect.stringMatching(/^Attempt 1 failed: .*lease is live/),
    });
    expect((await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).hostId).toBe(r.fromHostId);
    await db().haRestart.update({
      where: { id: r.id },
      data: { state: 'restarting', targetHostId: r.targetHostId, attempts: MAX_RESTART_ATTEMPTS - 1 },
    });
    await expect(haRestartHandler(ctx, { restartId: r.id })).rejects.toMatchObject({ code: 'LEASE_HELD' });
    expect((await db().haRestart.findUniqueOrThrow({ where: { id: r.id } })).state).toBe('failed');
    expect((await db().haEvent.findMany()).map((e) => e.kind)).toEqual(['restart-failed']);
  });

  it('does nothing for a restart cancelled before it ran', async () => {
    const { r, ctx } = await setUp({});
    await db().haRestart.update({ where: { id: r.id }, data: { state: 'cancelled' } });
    expect(await haRestartHandler(ctx, { restartId: r.id })).toEqual({ skipped: 'the restart is cancelled' });
    expect(agent!.calls).toEqual([]);
  });
});
