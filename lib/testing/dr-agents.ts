// Fake agents of both sides of a replication job for DR service and handler tests: a source
// (site main) that "sends" and a target (site dr) keeping a replica's points as the real one does
// (commit records, keep-N drops the oldest), each call recorded. `fail` makes a route's call (or
// its operation) fail with the given error.
import { afterAll, afterEach, beforeEach } from 'vitest';
import type { Operation } from '@/lib/agent-protocol/core';
import type { ReplicaPoint, ReplicaState } from '@/lib/agent-protocol/replication';
import { db } from '@/lib/db/client';
import { noSuchObject, type AppError } from '@/lib/errors';
import { fakeOperation, seedFakeAgentHost, startFakeAgent } from './fake-agent';
import { clearTables, seedUsers } from './fixtures';
import { runtime } from './snapshot-agent';
import { createTestDb } from './test-db';

type Body = Record<string, unknown>;

export async function startDrAgents() {
  const replica: ReplicaState = {
    id: 'r-000000000001',
    sourceVmId: 'vm-a',
    jobId: 'x',
    virtualSizeBytes: 1 << 20,
    points: [],
    tests: [],
    promotedFrom: null,
  };
  const fail = new Map<string, AppError>();
  const ops = new Map<string, Operation>();
  let n = 0;
  const op = (route: string, result: unknown) => {
    const id = `op-${++n}`;
    const err = fail.get(route);
    ops.set(
      id,
      fakeOperation(
        id,
        err ? { state: 'failed', error: err.message, result: { ...err.toJSON(), status: err.status } } : { result },
      ),
    );
    return fakeOperation(id, { state: 'running', progress: 0 });
  };
  const check = (route: string) => {
    const err = fail.get(route);
    if (err) throw err;
  };
  const getOp = (_b: unknown, p: Record<string, string>) => ops.get(p.id);
  // Power state per VM id (default running) and guests that never get ready; stop/start follow.
  const off = new Set<string>();
  const notReady = new Set<string>();
  const gone = new Set<string>(); // VMs the agent no longer has (404)
  const vmRuntime = (id: string) => {
    if (gone.has(id)) throw noSuchObject('VM', id);
    return runtime(
      id,
      off.has(id) ? { state: 'shutoff', pid: null, guestReady: false } : { guestReady: !notReady.has(id) },
    );
  };
  const stop = (route: string) => (_b: unknown, p: Record<string, string>) => {
    if (!fail.has(route)) off.add(p.id);
    return op(route, vmRuntime(p.id));
  };
  const send = (route: string) => (b: unknown, p: Record<string, string>) => {
    const req = b as Body;
    return op(route, {
      pointId: req.pointId,
      kind: req.basePointId ? 'incremental' : 'full',
      fullReason: req.basePointId ? null : 'first run',
      takenAt: new Date().toISOString(),
      bytesSent: 4096,
      durationMs: 12,
      virtualSizeBytes: 1 << 20,
      vmWasRunning: !off.has(p.id),
    });
  };
  // Site A's in-place state of the original disk (failback): the last reverse point, the bitmap.
  const inPlace = { basePointId: null as string | null, forwardBasePointId: null as string | null, bitmapFound: true };
  const source = await startFakeAgent({
    'GET /v1/operations/:id': getOp,
    'GET /v1/vms/:id': (_b, p) => vmRuntime(p.id),
    'POST /v1/vms/:id/stop': stop('POST /v1/vms/:id/stop'),
    'POST /v1/vms/:id/start': (_b, p) => {
      if (!fail.has('POST /v1/vms/:id/start')) off.delete(p.id);
      return op('POST /v1/vms/:id/start', vmRuntime(p.id));
    },
    'POST /v1/vms/:id/replication/pull': (b) =>
      op('POST /v1/vms/:id/replication/pull', {
        basePointId: (b as Body).basePointId,
        bitmapFound: inPlace.bitmapFound,
        bytesPulled: inPlace.bitmapFound ? 65_536 : 0,
        durationMs: 5,
        virtualSizeBytes: 1 << 20,
      }),
    'POST /v1/vms/:id/replication/receive-in-place': (b) => {
      check('POST /v1/vms/:id/replication/receive-in-place');
      return {
        pointId: (b as Body).pointId,
        target: { host: '127.0.0.1', port: 10810, export: 'inplace-0123456789' },
        basePointId: inPlace.basePointId,
        expiresInMs: 600_000,
      };
    },
    'POST /v1/vms/:id/replication/receive-in-place/:pointId/commit': (b, p) => {
      check('POST /v1/vms/:id/replication/receive-in-place/:pointId/commit');
      inPlace.basePointId = p.pointId;
      inPlace.forwardBasePointId = (b as Body).forwardBasePointId as string | null;
      return { ...inPlace, startBlocked: false };
    },
    'DELETE /v1/vms/:id/replication/receive-in-place/:pointId': () => undefined,
    'GET /v1/vms/:id/boot/:file': (_b, p) => `${p.file} of ${p.id}`, // a JSON string is bytes enough
    'POST /v1/vms/:id/replication/send': send('POST /v1/vms/:id/replication/send'),
  });
  const target = await startFakeAgent({
    'GET /v1/operations/:id': getOp,
    'GET /v1/replicas/:id': () => replica,
    'GET /v1/vms/:id': (_b, p) => vmRuntime(p.id),
    // Failback on site B: the promoted replica sends back, exports read-only, stops, is demoted.
    'POST /v1/vms/:id/replication/send': send('B POST /v1/vms/:id/replication/send'),
    'POST /v1/vms/:id/replication/export': () => ({
      exportId: 'exp-000000000001',
      target: { host: '127.0.0.1', port: 10811, export: 'export-ro-012345' },
      virtualSizeBytes: 1 << 20,
      expiresInMs: 600_000,
    }),
    'DELETE /v1/vms/:id/replication/export/:exportId': () => undefined,
    'POST /v1/vms/:id/stop': stop('B POST /v1/vms/:id/stop'),
    'POST /v1/replicas/:id/demote': (b) => {
      check('POST /v1/replicas/:id/demote');
      const pointId = String((b as Body).pointId);
      replica.points.push({
        id: pointId,
        layer: `layer-${pointId}.qcow2`,
        takenAt: new Date().toISOString(),
        kind: 'incremental',
        fullReason: null,
        bytesSent: 0,
        layerBytes: 8192,
      });
      replica.promotedFrom = null;
      return replica;
    },
    'PUT /v1/replicas/:id': (b, p) => {
      check('PUT /v1/replicas/:id');
      const req = b as Body;
      Object.assign(replica, { id: p.id, sourceVmId: req.sourceVmId, jobId: req.jobId });
      return replica;
    },
    'POST /v1/replicas/:id/receive': (b) => {
      check('POST /v1/replicas/:id/receive');
      const req = b as { pointId: string; full: boolean };
      return {
        pointId: req.pointId,
        target: { host: '127.0.0.1', port: 10809, export: 'export-0123456789' },
        basePointId: req.full ? null : (replica.points.at(-1)?.id ?? null),
        expiresInMs: 600_000,
      };
    },
    'POST /v1/replicas/:id/receive/:pointId/commit': (b, p) => {
      check('POST /v1/replicas/:id/receive/:pointId/commit');
      const req = b as {
        takenAt: string;
        kind: 'full' | 'incremental';
        fullReason: string | null;
        bytesSent: number;
        keep: number;
      };
      const point: ReplicaPoint = { id: p.pointId, layer: `layer-${p.pointId}.qcow2`, layerBytes: 8192, ...req };
      delete (point as Partial<Body>).keep;
      replica.points.push(point);
      while (replica.points.length > req.keep) replica.points.shift();
      return replica;
    },
    'DELETE /v1/replicas/:id/receive/:pointId': () => undefined,
    'PUT /v1/replicas/:id/boot/:file': () => undefined,
    'DELETE /v1/replicas/:id': () => op('DELETE /v1/replicas/:id', null),
    'POST /v1/replicas/:id/failover': (b, p) => {
      const req = b as { pointId: string };
      if (!fail.has('POST /v1/replicas/:id/failover')) {
        replica.points = replica.points.slice(0, replica.points.findIndex((x) => x.id === req.pointId) + 1);
        replica.promotedFrom = req.pointId;
      }
      return op('POST /v1/replicas/:id/failover', { runtime: vmRuntime(p.id), pointId: req.pointId });
    },
    'POST /v1/replicas/:id/tests': (b) =>
      op('POST /v1/replicas/:id/tests', vmRuntime((b as { spec: { id: string } }).spec.id)),
    'DELETE /v1/vms/:id': () => op('DELETE /v1/vms/:id', null),
  });
  const h1 = await seedFakeAgentHost('h1', source);
  const h2 = await seedFakeAgentHost('h2', source); // another host of site main
  const dr1 = await db().host.update({
    where: { id: (await seedFakeAgentHost('dr1', target)).id },
    data: { site: 'dr' },
  });
  await db().vm.create({
    data: {
      id: 'vm-a',
      name: 'web',
      hostId: h1.id,
      state: 'running',
      vcpus: 1,
      memoryMiB: 128,
      diskSizeBytes: BigInt(1 << 20),
    },
  });
  return { source, target, replica, fail, off, notReady, gone, inPlace, hosts: { h1, h2, dr1 } };
}
export type DrAgents = Awaited<ReturnType<typeof startDrAgents>>;

// One test file's set-up: a fresh database with users, both fake agents before each test, every
// table the DR code writes cleared after it. The returned object is refilled for each test.
export function useDrAgents(): DrAgents {
  const testDb = createTestDb();
  afterAll(() => testDb.cleanup());
  const h = {} as DrAgents;
  beforeEach(async () => {
    await seedUsers();
    Object.assign(h, await startDrAgents());
  });
  afterEach(async () => {
    await Promise.all([h.source.close(), h.target.close()]);
    await clearTables(
      'failoverPlan',
      'auditEvent',
      'taskStep',
      'task',
      'replicaPoint',
      'replicationRun',
      'replicationJob',
      'vm',
      'host',
      'user',
    );
  });
  return h;
}
