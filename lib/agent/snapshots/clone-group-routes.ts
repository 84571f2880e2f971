// Agent HTTP routes for linked clones and group checkpoints (docs/ARCHITECTURE.md, "Agent HTTP
// API"); the single-VM point routes are in routes.ts.
import { z } from 'zod';
import { parseInput } from '@/lib/http/validation';
import { requireQemu } from '../qemu/context';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import type { Router, RouteContext } from '../router';
import { accepted, ok, vmId, type AgentRouteDeps } from '../route-kit';
import { cloneFromPoint } from './clone';
import { detachClone } from './detach';
import { createGroupCheckpoints, type GroupCheckpoints } from './group';
import { createGroupReverts, type GroupReverts } from './group-revert';
import {
  cloneRequestSchema,
  groupCaptureRequestSchema,
  groupPauseRequestSchema,
  groupResumeRequestSchema,
  groupRevertRequestSchema,
  pointIdSchema,
} from '@/lib/agent-protocol/snapshots';

const pointParams = (ctx: RouteContext) => parseInput(z.object({ id: vmIdSchema, pointId: pointIdSchema }), ctx.params);
const detachBodySchema = z.object({}).strict();

export function addCloneGroupRoutes(router: Router, deps: AgentRouteDeps): void {
  // Built on first use: the simulated driver has no QEMU and answers 501 per request.
  let groups: { checkpoints: GroupCheckpoints; reverts: GroupReverts } | null = null;
  const group = () => {
    if (groups) return groups;
    const ctx = requireQemu(deps.driver, 'Group checkpoints');
    return (groups = {
      checkpoints: createGroupCheckpoints(ctx, deps.operations, deps.vms),
      reverts: createGroupReverts(ctx, deps.operations, deps.vms),
    });
  };

  router
    .post('/v1/vms/:id/points/:pointId/clone', async (ctx) => {
      const { id, pointId } = pointParams(ctx);
      return accepted(await cloneFromPoint(deps, id, pointId, parseInput(cloneRequestSchema, await ctx.json())));
    })
    .post('/v1/vms/:id/detach', async (ctx) => {
      const id = vmId(ctx);
      parseInput(detachBodySchema, await ctx.json());
      return accepted(await detachClone(deps, id));
    })
    .post('/v1/points/group/prepare', async (ctx) => {
      const req = parseInput(groupPauseRequestSchema, await ctx.json());
      return ok(await group().checkpoints.prepare(req));
    })
    .post('/v1/points/group/pause', async (ctx) => {
      const req = parseInput(groupPauseRequestSchema, await ctx.json());
      return ok(await group().checkpoints.pause(req));
    })
    .post('/v1/points/group/capture', async (ctx) => {
      const req = parseInput(groupCaptureRequestSchema, await ctx.json());
      return accepted(group().checkpoints.capture(req));
    })
    // Resumes what the group left paused on this host: a pause no capture followed, or the VMs a
    // group restore loaded with resume: false.
    .post('/v1/points/group/resume', async (ctx) => {
      const req = parseInput(groupResumeRequestSchema, await ctx.json());
      const g = group();
      const [paused, restored] = await Promise.all([g.checkpoints.resume(req), g.reverts.resume(req)]);
      return ok({ resumed: [...paused.resumed, ...restored] });
    })
    .post('/v1/points/group/revert', async (ctx) => {
      const req = parseInput(groupRevertRequestSchema, await ctx.json());
      return accepted(await group().reverts.revert(req));
    });
}
