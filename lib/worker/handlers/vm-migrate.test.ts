import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentClient } from '@/lib/agent-client';
import type { MigrateResult } from '@/lib/agent-protocol/migration';
import type { Operation, VmRuntime } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { queueMigration } from '@/lib/domain/migrations/service';
import { conflict, noSuchObject, timeout } from '@/lib/errors';
import { admin, seedHost, seedUsers } from '@/lib/testing/fixtures';
import { createTestDb } from '@/lib/testing/test-db';
import { makeContext } from '../context';
import { migrateVmHandler } from './vm-migrate';

// Scripted agents by host id; a host without one keeps the real client (its URL answers nothing).
const fake = vi.hoisted(() => ({ agents: new Map<string, unknown>(), log: [] as string[] }));
vi.mock('@/lib/domain/hosts/agents', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/lib/domain/hosts/agents')>();
  return {
    agentFor: async (hostId: string, o?: { allowOffline?: boolean }) =>
      fake.agents.get(hostId) ?? real.agentFor(hostId, o),
  };
});

type Script = { [K in keyof AgentClient]?: (...args: never[]) => unknown };
// Every call is logged as "<host> <method>"; one the test did not script fails loudly.
function agent(name: string, script: Script): AgentClient {
  return new Proxy({} as AgentClient, {
    get: (_t, key) => {
      if (key === 'then') return undefined; // not a promise
      if (key === 'hostName') return name;
      return async (...args: never[]) => {
        fake.log.push(`${name} ${String(key)}`);
        const f = script[key as keyof AgentClient];
        if (!f) throw new Error(`${name}: unscripted agent call ${String(key)}`);
        return f(...args);
      };
    },
  });
}

const testDb = createTestDb();
afterAll(() => testDb.cleanup());

const rt = (state: VmRuntime['state'], diskPath = '/h1/pool/vms/vm-a/disk0.qcow2'): VmRuntime => ({
  id: 'vm-a',
  name: 'a',
  state,
  pid: 1,
  pool: 'local',
  diskPath,
  startedAt: null,
  vcpus: 1,
  memoryMiB: 128,
  accelerator: 'tcg',
  guestReady: true,
});
const result: MigrateResult = {
  totalMs: 800,
  downtimeMs: 150,
  bytesTransferred: 80_000_000,
  diskBytes: 8_000_000,
  stoppedAt: null,
  guestReady: true,
};
const op = (state: Operation['state'], res: unknown = null): Operation => ({
  id: 'op-1',
  kind: 'vm.migrate',
  state,
  progress: state === 'running' ? 0 : 1,
  message: '',
  error: null,
  detail: null,
  result: res,
});
// The source's side of a migration that QEMU completed: it now holds the paused guest.
const handedOver: Script = {
  dirtyRate: () => Promise.reject(new Error('not measured')),
  migrateVm: () => op('running'),
  getOperation: () => op('succeeded', result),
  outgoingStatus: () => ({ state: 'handed-over' }),
  getVm: () => rt('paused'),
};
const listening: Script = {
  prepareIncoming: () => ({
    migrationUri: 'tcp:127.0.0.1:4444',
    nbd: { host: '127.0.0.1', port: 10809, exportName: 'x', backingPath: null },
  }),
};

let h1: string;
let h2: string;
beforeEach(async () => {
  for (const t of ['auditEvent', 'taskStep', 'task', 'migration', 'vm', 'host', 'user'] as const)
    await (db()[t] as { deleteMany(): Promise<unknown> }).deleteMany();
  fake.agents.clear();
  fake.log.length = 0;
  await seedUsers();
  h1 = (await seedHost('h1')).id;
  h2 = (await seedHost('h2')).id;
  await db().vm.create({
    data: {
      id: 'vm-a',
      name: 'a',
      hostId: h1,
      state: 'running',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: BigInt(1 << 26),
      diskPath: '/h1/pool/vms/vm-a/disk0.qcow2',
    },
  });
});

async function migrate(source: Script | null, target: Script | null, recovered = false) {
  if (source) fake.agents.set(h1, agent('h1', source));
  if (target) fake.agents.set(h2, agent('h2', target));
  const { taskId, migrationId } = await queueMigration(admin, { vmId: 'vm-a', targetHostId: h2, reason: 'manual' });
  fake.log.length = 0; // the estimate's dirty-rate probe
  const outcome = await migrateVmHandler(makeContext(taskId, { id: admin.id, name: admin.username }, recovered), {
    vmId: 'vm-a',
    migrationId,
  }).catch((e: unknown) => e);
  const steps = (await db().taskStep.findMany({ where: { taskId }, orderBy: { id: 'asc' } })).map((s) => s.message);
  return {
    outcome,
    steps,
    m: await db().migration.findUniqueOrThrow({ where: { id: migrationId } }),
    vm: await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } }),
  };
}

describe('vm.migrate handler', () => {
  it('a target that cannot be prepared: the migration fails with the reason, the VM stays running on the source', async () => {
    const { outcome, m, vm } = await migrate(null, null);
    expect(outcome).toMatchObject({ code: 'AGENT_UNREACHABLE' });
    expect(m).toMatchObject({ state: 'failed', error: expect.stringMatching(/h2/) });
    expect(vm).toMatchObject({ hostId: h1, state: 'running', lastError: expect.stringMatching(/h2/) });
    expect((await db().auditEvent.findMany({ where: { action: 'vm.migrate' } })).map((a) => a.result)).toEqual([
      'accepted',
      'failed',
    ]);
  });

  it('the source removes its copy only after the target runs the VM and the move is recorded', async () => {
    let recordedBeforeRelease: string | null = null;
    const source: Script = {
      ...handedOver,
      finishOutgoing: async () =>
        void (recordedBeforeRelease = (await db().vm.findUniqueOrThrow({ where: { id: 'vm-a' } })).hostId),
    };
    const { outcome, m, vm } = await migrate(source, {
      ...listening,
      finishIncoming: () => rt('running', '/h2/pool/vms/vm-a/disk0.qcow2'),
    });
    expect(outcome).toMatchObject({ hostId: h2, totalMs: 800 });
    expect(fake.log).toEqual([
      'h2 prepareIncoming',
      'h1 migrateVm',
      'h1 getOperation',
      'h2 finishIncoming',
      'h1 finishOutgoing',
    ]);
    expect(recordedBeforeRelease).toBe(h2);
    expect(vm).toMatchObject({
      hostId: h2,
      diskPath: '/h2/pool/vms/vm-a/disk0.qcow2',
      state: 'running',
      lastError: null,
    });
    // transferMs: the copy alone, what later estimates between h1 and h2 learn the throughput from
    expect(m).toMatchObject({
      state: 'succeeded',
      transferMs: 800,
      downtimeMs: 150,
      bytesTransferred: 80_000_000n,
      diskBytes: 8_000_000n,
    });
  });

  it('a target that does not resume after the hand-over gives its copy up, and the source resumes the VM, its disk never removed', async () => {
    const source: Script = { ...handedOver, resumeOutgoing: () => rt('running') };
    const target: Script = {
      ...listening,
      finishIncoming: () => Promise.reject(timeout('Incoming migration of VM vm-a', 120)),
      getVm: () => rt('paused'),
      abortIncoming: () => undefined,
    };
    const { outcome, m, vm, steps } = await migrate(source, target);
    expect(outcome).toMatchObject({
      message: expect.stringMatching(
        /could not take the VM \(Incoming migration of VM vm-a did not finish within 120 s\); it runs on the source again/,
      ),
    });
    expect(fake.log.indexOf('h2 abortIncoming')).toBeLessThan(fake.log.indexOf('h1 resumeOutgoing'));
    expect(fake.log).not.toContain('h1 finishOutgoing');
    expect(vm).toMatchObject({
      hostId: h1,
      state: 'running',
      lastError: expect.stringMatching(/runs on the source again/),
    });
    expect(m).toMatchObject({ state: 'failed' });
    expect(steps).toContain(
      'The target did not take the VM; removed its copy there, and the VM runs on the source again',
    );
  });

  it('after the guest ran on the target, neither copy is removed nor the source resumed when the target stopped running it', async () => {
    const target: Script = {
      ...listening,
      finishIncoming: () => Promise.reject(timeout('Incoming migration of VM vm-a', 120)),
      getVm: () => rt('crashed'),
      abortIncoming: () =>
        Promise.reject(
          conflict('VM vm-a has run on this host since its migration arrived; finish the migration instead'),
        ),
    };
    const { outcome, vm } = await migrate({ ...handedOver }, target);
    expect(outcome).toMatchObject({
      message: expect.stringMatching(
        /ran on the target after the hand-over but is unknown there now; the source keeps its paused copy/,
      ),
    });
    expect(fake.log.filter((c) => /finishOutgoing|resumeOutgoing/.test(c))).toEqual([]);
    expect(vm).toMatchObject({ hostId: h1, state: 'error' });
  });

  it('recovered after the worker died: the target runs the VM, so it is recorded there and the source copy goes', async () => {
    const source: Script = { ...handedOver, finishOutgoing: () => undefined };
    const target: Script = {
      getVm: () => rt('running', '/h2/d.qcow2'),
      finishIncoming: () => rt('running', '/h2/d.qcow2'),
    };
    const { outcome, m, vm } = await migrate(source, target, true);
    expect(outcome).toMatchObject({ hostId: h2, reconciled: true });
    expect(fake.log.at(-1)).toBe('h1 finishOutgoing');
    expect(vm).toMatchObject({ hostId: h2, diskPath: '/h2/d.qcow2', state: 'running' });
    expect(m).toMatchObject({ state: 'succeeded', transferMs: null });
  });

  it('recovered while the source still migrates: it is cancelled and waited for, then the target is undone', async () => {
    let status = 'migrating';
    const source: Script = {
      dirtyRate: () => Promise.reject(new Error('not measured')),
      outgoingStatus: () => ({ state: status }),
      cancelMigration: () => void (status = 'none'),
      getVm: () => rt('running'),
    };
    const target: Script = { getVm: () => rt('paused'), abortIncoming: () => undefined };
    const { outcome, vm } = await migrate(source, target, true);
    expect(outcome).toMatchObject({
      message: expect.stringMatching(/did not complete \(its worker stopped\); the VM still runs on the source/),
    });
    expect(fake.log).toContain('h1 cancelMigration');
    expect(fake.log).toContain('h2 abortIncoming');
    expect(vm).toMatchObject({ hostId: h1, state: 'running' });
  });

  it('the source agent cannot be asked and the target does not run the VM: error, nothing removed', async () => {
    const target: Script = { getVm: () => Promise.reject(noSuchObject('VM', 'vm-a')) };
    const { outcome, vm } = await migrate(null, target, true);
    expect(outcome).toMatchObject({
      message: expect.stringMatching(/source says The agent on h1 cannot be reached.*target says unknown VM/),
    });
    expect(vm).toMatchObject({ hostId: h1, state: 'error' });
  });
});
