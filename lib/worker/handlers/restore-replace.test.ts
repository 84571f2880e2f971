import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { SYSTEM_ACTOR } from '@/lib/domain/audit/service';
import { clearTables, seedImage } from '@/lib/testing/fixtures';
import { fakeOperation, seedFakeAgentHost, startFakeAgent, type FakeAgent } from '@/lib/testing/fake-agent';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { replaceFromPoint } from './restore-replace';

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const SAFETY = '/pool/vms/vm-a/disk0.safety-2026-01-01T00-00-00-000Z.qcow2';
let agent: FakeAgent | null = null;

beforeEach(async () => {
  await clearTables('taskStep', 'task', 'restorePoint', 'auditEvent', 'vm', 'image', 'host');
});
afterEach(async () => {
  await agent?.close();
  agent = null;
});

// An agent whose VM boots on the restored disk as `boot` says: ready, or QEMU gone at once. A
// second start (the VM put back on its old disk) always comes up.
async function replaceWith(boot: { state: VmRuntime['state']; guestReady: boolean }) {
  let rt: Pick<VmRuntime, 'state' | 'guestReady'> = { state: 'running', guestReady: true };
  let starts = 0;
  const answer = () => ({
    id: 'vm-a',
    name: 'a',
    pid: 1,
    pool: 'local',
    diskPath: '/pool/vms/vm-a/disk0.qcow2',
    startedAt: null,
    vcpus: 1,
    memoryMiB: 128,
    accelerator: 'tcg',
    ...rt,
  });
  agent = await startFakeAgent({
    'GET /v1/vms/:id': answer,
    // Stop and start answer operations whose result is the VM's runtime after them.
    'POST /v1/vms/:id/stop': () =>
      fakeOperation('op-stop', { result: ((rt = { state: 'shutoff', guestReady: false }), answer()) }),
    'POST /v1/vms/:id/start': () =>
      fakeOperation(`op-start-${starts + 1}`, {
        result: ((rt = ++starts === 1 ? boot : { state: 'running', guestReady: true }), answer()),
      }),
    'POST /v1/vms/:id/replace-disk': () => fakeOperation('op-r', { state: 'running', progress: 0 }),
    'GET /v1/operations/:id': (_b, p) =>
      p.id === 'op-r'
        ? fakeOperation('op-r', {
            result: { safetyPath: SAFETY, sha256: 'c'.repeat(64), sizeBytes: 100, runningAfterMs: null },
          })
        : fakeOperation(p.id, { result: answer() }),
    'POST /v1/vms/:id/safety/discard': () => undefined,
    'POST /v1/vms/:id/safety/revert': () => undefined,
  });
  const host = await seedFakeAgentHost('h1', agent);
  const image = await db().image.update({
    where: { id: (await seedImage()).id },
    data: { kernelPath: '/img/vmlinux' },
  });
  await db().vm.create({
    data: {
      id: 'vm-a',
      name: 'a',
      hostId: host.id,
      imageId: image.id,
      state: 'stopping',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 1n,
      diskPath: '/pool/vms/vm-a/disk0.qcow2',
    },
  });
  const point = await db().restorePoint.create({
    data: {
      vmId: 'vm-a',
      vmName: 'a',
      hostId: host.id,
      kind: 'full',
      chainId: 'c1',
      filePath: '/backups/vm-a/rp-0123456789ab.qcow2',
      sha256: 'a'.repeat(64),
      sizeBytes: 10n,
      virtualSizeBytes: 2n,
      takenAt: new Date(),
    },
  });
  const task = await db().task.create({ data: { kind: 'vm.restore', title: 'replace', state: 'running' } });
  const outcome = await replaceFromPoint(makeContext(task.id, SYSTEM_ACTOR, false), {
    vmId: 'vm-a',
    pointId: point.id,
    mode: 'replace',
    instant: false,
    previousState: 'running',
  }).catch((e: unknown) => e);
  const routes = agent.calls.map((c) => c.route);
  return {
    outcome,
    routes,
    steps: (await db().taskStep.findMany({ where: { taskId: task.id }, orderBy: { id: 'asc' } })).map((s) => s.message),
  };
}

describe('replaceFromPoint', () => {
  it('discards the safety disk only once the guest is up on the restored disk', async () => {
    const { outcome, routes, steps } = await replaceWith({ state: 'running', guestReady: true });
    expect(outcome).toMatchObject({ vmId: 'vm-a', mode: 'replace', instant: false });
    const started = routes.indexOf('POST /v1/vms/:id/start');
    const readySeen = routes.indexOf('GET /v1/vms/:id', started);
    expect(readySeen).toBeGreaterThan(started);
    expect(routes.indexOf('POST /v1/vms/:id/safety/discard')).toBeGreaterThan(readySeen);
    expect(routes).not.toContain('POST /v1/vms/:id/safety/revert');
    expect(steps.findIndex((s) => s.startsWith('Guest ready'))).toBeLessThan(
      steps.indexOf('Safety restore point discarded'),
    );
    expect(await db().restorePoint.count({ where: { kind: 'safety' } })).toBe(0);
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      state: 'running',
      guestReady: true,
      lastError: null,
    });
  });

  it('a restored VM that does not come up goes back on its old disk; the task fails with the reason', async () => {
    const { outcome, routes, steps } = await replaceWith({ state: 'crashed', guestReady: false });
    expect(outcome).toMatchObject({ message: 'The VM stopped while booting (QEMU state crashed)' });
    expect(routes).not.toContain('POST /v1/vms/:id/safety/discard');
    expect(agent!.callsTo('POST /v1/vms/:id/safety/revert').map((c) => c.body)).toEqual([{ safetyPath: SAFETY }]);
    // Started again (it ran before the restore), after the old disk was back.
    expect(routes.lastIndexOf('POST /v1/vms/:id/start')).toBeGreaterThan(
      routes.indexOf('POST /v1/vms/:id/safety/revert'),
    );
    expect(steps).toContain('The previous disk is back in place (safety point reverted)');
    expect(await db().restorePoint.count({ where: { kind: 'safety' } })).toBe(0);
    expect(await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).toMatchObject({
      state: 'running',
      lastError: 'Restore failed: The VM stopped while booting (QEMU state crashed)',
    });
    expect((await db().auditEvent.findMany({ where: { action: 'vm.restore' } })).map((a) => a.result)).toEqual([
      'failed',
    ]);
  });
});
