// Agent routes of the replication SOURCE (docs/ARCHITECTURE.md, "Disaster recovery"): the send
// and the VM's boot files for the replica's host; for failback, the read-only export (site B), the
// pull and the in-place receive (site A).
import { z } from 'zod';
import { parseInput } from '@/lib/http/validation';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import {
  commitInPlaceRequestSchema,
  exportIdSchema,
  exportRequestSchema,
  pullRequestSchema,
  receiveInPlaceRequestSchema,
  replicaPointIdSchema,
  sendRequestSchema,
} from '@/lib/agent-protocol/replication';
import { requireQemu } from '../qemu/context';
import type { RouteContext, Router } from '../router';
import { accepted, ok, vmId, type AgentRouteDeps } from '../route-kit';
import { bootFileParamsSchema, bootFileReply } from './boot-files-source';
import { createExporter, type Exporter } from './export';
import { createInPlaceReceiver, type InPlaceReceiver } from './in-place';
import { startPull } from './pull';
import { receiveTtlMs } from './receive';
import { localAddress } from './routes-target';
import { startSend } from './send';

const exportParams = (ctx: RouteContext) =>
  parseInput(z.object({ id: vmIdSchema, exportId: exportIdSchema }), ctx.params);
const inPlaceParams = (ctx: RouteContext) =>
  parseInput(z.object({ id: vmIdSchema, pointId: replicaPointIdSchema }), ctx.params);
const bindHost = (ctx: RouteContext) => localAddress(ctx.req.socket.localAddress);

export function addReplicationSourceRoutes(router: Router, deps: AgentRouteDeps): void {
  // Built on first use: the simulated driver answers 501 (no QEMU) per call, not at start-up.
  let failback: { exporter: Exporter; inPlace: InPlaceReceiver } | null = null;
  const fb = () => {
    if (failback) return failback;
    const q = requireQemu(deps.driver, 'Failback');
    failback = { exporter: createExporter(q), inPlace: createInPlaceReceiver(q, receiveTtlMs()) };
    return failback;
  };
  router
    .post('/v1/vms/:id/replication/send', async (ctx) => {
      const id = vmId(ctx);
      return accepted(await startSend(deps, id, parseInput(sendRequestSchema, await ctx.json())));
    })
    .get('/v1/vms/:id/boot/:file', async (ctx) => {
      const { id, file } = parseInput(bootFileParamsSchema, ctx.params);
      return bootFileReply(requireQemu(deps.driver, 'Boot files'), id, file);
    })
    .post('/v1/vms/:id/replication/export', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(exportRequestSchema, await ctx.json());
      return ok(await fb().exporter.start(id, bindHost(ctx), body.expiresInMs));
    })
    .delete('/v1/vms/:id/replication/export/:exportId', async (ctx) => {
      const { id, exportId } = exportParams(ctx);
      await fb().exporter.stop(id, exportId);
      return { status: 204 };
    })
    .post('/v1/vms/:id/replication/pull', async (ctx) => {
      const id = vmId(ctx);
      return accepted(await startPull(deps, id, parseInput(pullRequestSchema, await ctx.json())));
    })
    .post('/v1/vms/:id/replication/receive-in-place', async (ctx) => {
      const id = vmId(ctx);
      const body = parseInput(receiveInPlaceRequestSchema, await ctx.json());
      return ok(await fb().inPlace.receive(id, body.pointId, bindHost(ctx)));
    })
    .post('/v1/vms/:id/replication/receive-in-place/:pointId/commit', async (ctx) => {
      const { id, pointId } = inPlaceParams(ctx);
      const body = parseInput(commitInPlaceRequestSchema, await ctx.json());
      return ok(await fb().inPlace.commit(id, pointId, body.forwardBasePointId));
    })
    .delete('/v1/vms/:id/replication/receive-in-place/:pointId', async (ctx) => {
      const { id, pointId } = inPlaceParams(ctx);
      await fb().inPlace.abort(id, pointId);
      return { status: 204 };
    });
}
