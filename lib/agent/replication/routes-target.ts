// Agent HTTP routes of a replica's TARGET side (lib/agent-protocol/replication.ts). The source
// side (send, boot file reads) is in routes-source.ts.
import { z } from 'zod';
import { parseInput } from '@/lib/http/validation';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import {
  commitReceiveRequestSchema,
  defineReplicaRequestSchema,
  demoteRequestSchema,
  failoverRequestSchema,
  receiveRequestSchema,
  replicaPointIdSchema,
  testFailoverRequestSchema,
} from '@/lib/agent-protocol/replication';
import { requireQemu } from '../qemu/context';
import { accepted, ok, vmId, type AgentRouteDeps } from '../route-kit';
import type { RouteContext, Router } from '../router';
import { putBootFile } from './boot-files';
import { commitReceive } from './commit';
import { defineReplica, deleteReplica, getReplica, type ReplicaDeps } from './define';
import { demote } from './demote';
import { failover } from './failover';
import { createReceiver, receiveTtlMs } from './receive';
import { testFailover } from './test-failover';

const sessionParams = (ctx: RouteContext) =>
  parseInput(z.object({ id: vmIdSchema, pointId: replicaPointIdSchema }), ctx.params);
const bootParams = (ctx: RouteContext) =>
  parseInput(z.object({ id: vmIdSchema, file: z.enum(['kernel', 'initrd']) }), ctx.params);
// Same as the incoming migration: the export listens where the dashboard reached this agent.
export const localAddress = (addr: string | undefined) => (addr ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');

export function addReplicaTargetRoutes(router: Router, deps: AgentRouteDeps): void {
  let replicaDeps: ReplicaDeps | null = null;
  // Built on first use: the simulated driver answers 501 (no QEMU) per call, not at start-up.
  const rd = (): ReplicaDeps => {
    if (replicaDeps) return replicaDeps;
    const ctx = requireQemu(deps.driver, 'Replication');
    replicaDeps = { ctx, driver: deps.driver, vms: deps.vms, receiver: createReceiver(ctx, receiveTtlMs()) };
    return replicaDeps;
  };
  router
    .put('/v1/replicas/:id', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(defineReplicaRequestSchema, await ctx.json());
      return ok(await defineReplica(rd(), id, body));
    })
    .get('/v1/replicas/:id', async (ctx) => {
      const id = vmId(ctx);
      return ok(await getReplica(rd().ctx, id));
    })
    .delete('/v1/replicas/:id', async (ctx) => {
      const id = vmId(ctx);
      return accepted(await deleteReplica(rd(), id));
    })
    .post('/v1/replicas/:id/receive', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(receiveRequestSchema, await ctx.json());
      return ok(await rd().receiver.receive(id, body, localAddress(ctx.req.socket.localAddress)));
    })
    .post('/v1/replicas/:id/receive/:pointId/commit', async (ctx) => {
      const { id, pointId } = sessionParams(ctx);
      const body = parseInput(commitReceiveRequestSchema, await ctx.json());
      const d = rd();
      return ok(await commitReceive(d.ctx, d.receiver, id, pointId, body));
    })
    .delete('/v1/replicas/:id/receive/:pointId', async (ctx) => {
      const { id, pointId } = sessionParams(ctx);
      await rd().receiver.abort(id, pointId);
      return { status: 204 };
    })
    .post('/v1/replicas/:id/failover', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(failoverRequestSchema, await ctx.json());
      return accepted(await failover(rd(), id, body));
    })
    .post('/v1/replicas/:id/tests', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(testFailoverRequestSchema, await ctx.json());
      return accepted(await testFailover(rd(), id, body));
    })
    .post('/v1/replicas/:id/demote', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(demoteRequestSchema, await ctx.json());
      return ok(await demote(rd(), id, body.pointId));
    })
    .put('/v1/replicas/:id/boot/:file', async (ctx) => {
      const { id, file } = bootParams(ctx);
      await putBootFile(rd().ctx, id, file, ctx.req);
      return { status: 204 };
    });
}
