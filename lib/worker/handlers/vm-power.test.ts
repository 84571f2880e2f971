import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { clearTables } from '@/lib/testing/fixtures';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { timeout } from '@/lib/errors';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { powerHandler } from './vm-power';

const testDb = createTestDb();
let agent: FakeAgent | null = null;
afterEach(async () => {
  await agent?.close();
  agent = null;
  delete process.env.VMOPS_AGENT_HTTP_TIMEOUT_MS;
  delete process.env.VMOPS_GRACEFUL_STOP_SEC;
  await clearTables('taskStep', 'task', 'auditEvent', 'vm', 'host');
});
afterAll(() => testDb.cleanup());

const runtime = (state: VmRuntime['state']): VmRuntime => ({
  id: 'vm-a',
  name: 'a',
  state,
  pid: 1,
  pool: 'local',
  diskPath: '/pool/vms/vm-a/disk0.qcow2',
  startedAt: null,
  vcpus: 1,
  memoryMiB: 128,
  accelerator: 'tcg',
  guestReady: state === 'running',
});

// A stop the agent takes `stopMs` over (each HTTP answer is immediate), ending as `outcome` says.
async function stopTakingLong(stopMs: number, outcome: 'stopped' | 'ignored') {
  let doneAt = 0;
  agent = await startFakeAgent({
    'POST /v1/vms/:id/stop': () => (
      (doneAt = Date.now() + stopMs),
      fakeOperation('op-stop', { kind: 'vm.stop', state: 'running', progress: 0 })
    ),
    'GET /v1/operations/:id': () => {
      if (Date.now() < doneAt) return fakeOperation('op-stop', { kind: 'vm.stop', state: 'running', progress: 0 });
      if (outcome === 'stopped') return fakeOperation('op-stop', { kind: 'vm.stop', result: runtime('shutoff') });
      const err = timeout('Graceful shutdown of VM vm-a (ACPI power button)', 1);
      return fakeOperation('op-stop', {
        kind: 'vm.stop',
        state: 'failed',
        error: err.message,
        result: { ...err.toJSON(), status: err.status },
      });
    },
    'GET /v1/vms/:id': () => runtime(outcome === 'stopped' ? 'shutoff' : 'running'),
  });
  const host = await seedFakeAgentHost('h1', agent);
  await db().vm.create({
    data: {
      id: 'vm-a',
      name: 'a',
      hostId: host.id,
      state: 'stopping',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 1n,
      guestWarning: 'old warning',
    },
  });
  const task = await db().task.create({ data: { kind: 'vm.stop', title: 'stop', state: 'running' } });
  process.env.VMOPS_AGENT_HTTP_TIMEOUT_MS = '300';
  process.env.VMOPS_GRACEFUL_STOP_SEC = '1';
  const result = await powerHandler('stop')(makeContext(task.id, SYSTEM_ACTOR, false), {
    vmId: 'vm-a',
    previousState: 'running',
  }).catch((e: unknown) => e);
  const steps = (await db().taskStep.findMany({ where: { taskId: task.id }, orderBy: { id: 'asc' } })).map(
    (s) => `${s.level}: ${s.message}`,
  );
  return {
    result,
    steps,
    vm: await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } }),
    body: agent.callsTo('POST /v1/vms/:id/stop')[0]?.body,
  };
}

describe('power actions as agent operations', () => {
  it('reports a stop that outlasts the HTTP timeout as stopped, not as an unreachable agent', async () => {
    const { result, vm, body, steps } = await stopTakingLong(1200, 'stopped'); // 4x the 300 ms HTTP timeout
    expect(result).toEqual({ state: 'stopped' });
    expect(body).toEqual({ force: false, timeoutSec: 1 }); // the grace period is the configured one
    expect(vm).toMatchObject({ state: 'stopped', lastError: null, guestWarning: null });
    expect(steps[0]).toContain('up to 1 s');
  });

  it('reports a stop the guest ignores as TIMEOUT, the VM still running, and says how to turn it off', async () => {
    const { result, vm, steps } = await stopTakingLong(600, 'ignored');
    expect(result).toMatchObject({ code: 'TIMEOUT', status: 504 });
    expect(vm).toMatchObject({ state: 'running', lastError: expect.stringContaining('ACPI power button') });
    expect(steps).toContain(
      'error: The guest ignored the power button and is still running; Force stop turns it off at once.',
    );
  });
});
