// Agent HTTP routes for snapshots and checkpoints of one VM (docs/ARCHITECTURE.md, "Agent HTTP
// API"). Linked clones and group checkpoints have their own routes (clone/detach/group).
import { z } from 'zod';
import { parseInput } from '@/lib/http/validation';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import type { Router, RouteContext } from '../router';
import { accepted, ok, vmId, type AgentRouteDeps } from '../route-kit';
import { pointIdSchema, takePointRequestSchema } from '@/lib/agent-protocol/snapshots';
import { createSnapshotService } from './service';

const pointParams = (ctx: RouteContext) => parseInput(z.object({ id: vmIdSchema, pointId: pointIdSchema }), ctx.params);
const revertBodySchema = z.object({}).strict();

export function addSnapshotRoutes(router: Router, deps: AgentRouteDeps): void {
  const points = createSnapshotService(deps);
  router
    .get('/v1/vms/:id/points', async (ctx) => ok(await points.list(vmId(ctx))))
    .post('/v1/vms/:id/points', async (ctx) => {
      const id = vmId(ctx);
      return accepted(await points.take(id, parseInput(takePointRequestSchema, await ctx.json())));
    })
    .post('/v1/vms/:id/points/:pointId/revert', async (ctx) => {
      const { id, pointId } = pointParams(ctx);
      parseInput(revertBodySchema, await ctx.json());
      return accepted(await points.revert(id, pointId));
    })
    .delete('/v1/vms/:id/points/:pointId', async (ctx) => {
      const { id, pointId } = pointParams(ctx);
      return accepted(await points.delete(id, pointId));
    });
}
