// A fake agent for snapshot service and handler tests: the points routes of
// lib/agent-protocol/snapshots.ts answered from a small in-memory model (capabilities as the test
// sets them; operations succeed at once unless `fail` names their route), over real HTTP so the
// typed client validates every answer.
import type { VmRuntime } from '@/lib/agent-protocol/core';
import type { PointCapabilities, PointRecord } from '@/lib/agent-protocol/snapshots';
import { db } from '@/lib/db/client';
import { parseTaskPayload, type TaskKind, type TaskPayloadInput } from '@/lib/domain/tasks/kinds';
import { makeContext, type TaskHandler } from '@/lib/worker/context';
import { HANDLERS } from '@/lib/worker/handlers';
import { AppError } from '@/lib/errors';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { fakeOperation, seedFakeAgentHost, startFakeAgent } from './fake-agent';
import { clearTables, seedUsers } from './fixtures';
import { createTestDb } from './test-db';

export const ALL_YES: PointCapabilities = {
  disk: { ok: true, reason: null },
  memory: { ok: true, reason: null },
  revert: { ok: true, reason: null },
  clone: { ok: true, reason: null },
};

export function pointRecord(id: string, over: Partial<PointRecord> = {}): PointRecord {
  return {
    id,
    kind: 'disk',
    layer: `layer-${id}.qcow2`,
    stateFile: null,
    parentId: null,
    takenAt: new Date().toISOString(),
    wasRunning: true,
    layerBytes: 1_000,
    stateBytes: 0,
    downtimeMs: null,
    pauseMs: null,
    groupId: null,
    ...over,
  };
}

export const runtime = (id: string, over: Partial<VmRuntime> = {}): VmRuntime => ({
  id,
  name: id,
  state: 'running',
  pid: 42,
  pool: 'local',
  diskPath: `/pool/vms/${id}/disk0.qcow2`,
  startedAt: null,
  vcpus: 1,
  memoryMiB: 128,
  accelerator: 'tcg',
  guestReady: true,
  ...over,
});

export async function startSnapshotAgent(name: string) {
  const state = {
    capabilities: ALL_YES as PointCapabilities,
    fail: new Map<string, AppError>(), // route -> error of its operation (or of the call itself for the group pause)
    diskPath: new Map<string, string>(),
    currentId: new Map<string, string>(), // "you are here" per VM as the agent answers it

    ops: new Map<string, { result: unknown; error?: AppError }>(),
    clock: 1_000,
  };
  let n = 0;
  const op = (route: string, result: unknown) => {
    const id = `op-${++n}`;
    state.ops.set(id, { result, error: state.fail.get(route) });
    return fakeOperation(id, { state: 'running', progress: 0 });
  };
  const agent = await startFakeAgent({
    'GET /v1/vms/:id/points': (_b, p) => ({
      points: [],
      currentId: state.currentId.get(p.id) ?? null,
      capabilities: state.capabilities,
      clones: [],
      linkedTo: null,
    }),
    'GET /v1/vms/:id': (_b, p) =>
      runtime(p.id, { diskPath: state.diskPath.get(p.id) ?? `/pool/vms/${p.id}/disk0.qcow2` }),
    'POST /v1/vms/:id/points': (b, p) => {
      const req = b as { id: string; kind: 'disk' | 'memory' };
      state.diskPath.set(p.id, `/pool/vms/${p.id}/layer-${req.id}.qcow2`);
      return op(
        'take',
        pointRecord(req.id, {
          kind: req.kind,
          stateBytes: req.kind === 'memory' ? 5_000 : 0,
          pauseMs: req.kind === 'memory' ? 4 : null,
        }),
      );
    },
    'POST /v1/vms/:id/points/:pointId/revert': (_b, p) =>
      op('revert', {
        vm: runtime(p.id, { diskPath: `/pool/vms/${p.id}/layer-r${n}.qcow2` }),
        revertMs: 120,
        resumedFromMemory: true,
      }),
    'DELETE /v1/vms/:id/points/:pointId': () => op('delete', null),
    'POST /v1/vms/:id/points/:pointId/clone': (b) =>
      op('clone', runtime((b as { vm: { id: string } }).vm.id, { state: 'shutoff', pid: null })),
    'POST /v1/vms/:id/detach': () => op('detach', null),
    'DELETE /v1/vms/:id': () => op('vm-delete', null),
    'POST /v1/points/group/prepare': (b) => {
      const err = state.fail.get('prepare');
      if (err) throw err;
      return { prepared: (b as { vmIds: string[] }).vmIds };
    },
    'POST /v1/points/group/pause': (b) => {
      const err = state.fail.get('pause');
      if (err) throw err;
      return { paused: (b as { vmIds: string[] }).vmIds.map((vmId) => ({ vmId, stoppedAt: state.clock })) };
    },
    'POST /v1/points/group/capture': (b) => {
      const req = b as { kind: 'disk' | 'memory'; groupId: string; items: { vmId: string; pointId: string }[] };
      return op('capture', {
        points: req.items.map((i) => ({
          vmId: i.vmId,
          point: pointRecord(i.pointId, { kind: req.kind, groupId: req.groupId }),
          resumedAt: state.clock + 30,
        })),
      });
    },
    'POST /v1/points/group/resume': () => ({ resumed: true }),
    'POST /v1/points/group/revert': () => op('group-revert', { resumedAt: null }),
    'GET /v1/operations/:id': (_b, p) => {
      const o = state.ops.get(p.id)!;
      if (!o.error) return fakeOperation(p.id, { result: o.result });
      return fakeOperation(p.id, {
        state: 'failed',
        error: o.error.message,
        result: { ...o.error.toJSON(), status: o.error.status },
      });
    },
  });
  const host = await seedFakeAgentHost(name, agent);
  return { agent, host, state };
}

export async function seedVm(
  hostId: string,
  id: string,
  over: { state?: string; tags?: string[]; cloneOfSnapshotId?: string; currentSnapshotId?: string } = {},
) {
  return db().vm.create({
    data: {
      id,
      name: `n-${id}`,
      hostId,
      state: over.state ?? 'running',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: 64n * 1024n * 1024n,
      diskPath: `/pool/vms/${id}/disk0.qcow2`,
      tags: JSON.stringify(over.tags ?? []),
      cloneOfSnapshotId: over.cloneOfSnapshotId ?? null,
      currentSnapshotId: over.currentSnapshotId ?? null,
    },
  });
}

export async function seedSnapshot(
  vmId: string,
  hostId: string,
  id: string,
  over: { parentId?: string | null; memory?: boolean; groupId?: string; scheduleId?: string; createdAt?: Date } = {},
) {
  return db().snapshot.create({
    data: {
      id,
      vmId,
      hostId,
      name: `snap ${id}`,
      memory: over.memory ?? false,
      parentId: over.parentId ?? null,
      groupId: over.groupId ?? null,
      scheduleId: over.scheduleId ?? null,
      layerBytes: 1000n,
      createdAt: over.createdAt,
    },
  });
}

// Runs a handler as the worker does (payload parsed with its kind's schema): its outcome (the
// result, or the error it threw) and the task's steps.
export async function runHandler<K extends TaskKind>(kind: K, payload: TaskPayloadInput<K>, recovered = false) {
  const task = await db().task.create({ data: { kind, title: kind, state: 'running' } });
  const handler = HANDLERS[kind] as TaskHandler<K>;
  const result = await handler(
    makeContext(task.id, { id: null, name: 'olga' }, recovered),
    parseTaskPayload(kind, payload),
  ).catch((e: unknown) => e);
  const steps = (await db().taskStep.findMany({ where: { taskId: task.id }, orderBy: { id: 'asc' } })).map(
    (s) => `${s.level}: ${s.message}`,
  );
  return { result, steps };
}

type SnapshotAgent = Awaited<ReturnType<typeof startSnapshotAgent>>;

// One test file's set-up: a fresh database, a fake agent 'h1' started before each test (users
// seeded first when asked) and closed after it, with every table those tests write cleared. The
// returned object is refilled for each test.
export function useSnapshotAgent(opts: { users?: boolean } = {}): SnapshotAgent {
  const testDb = createTestDb();
  afterAll(() => testDb.cleanup());
  const h = {} as SnapshotAgent;
  beforeEach(async () => {
    if (opts.users) await seedUsers();
    Object.assign(h, await startSnapshotAgent('h1'));
  });
  afterEach(async () => {
    await h.agent.close();
    await clearTables(
      'auditEvent',
      'taskStep',
      'task',
      'restorePoint',
      'snapshot',
      'checkpointGroup',
      'snapshotSchedule',
      'vm',
      'host',
      'user',
    );
  });
  return h;
}
