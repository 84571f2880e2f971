// The agent HTTP API (docs/ARCHITECTURE.md, "Agent HTTP API"): thin handlers that parse with the
// protocol schemas and call the VM/image services.
import { z } from 'zod';
import { createRepositoryGuard } from './backup/repository';
import { addBackupRoutes } from './backup/routes';
import { addHaRoutes } from './ha/routes';
import { addMigrationRoutes } from './migration/routes';
import { parseInput } from '@/lib/http/validation';
import {
  createVmRequestSchema,
  importImageRequestSchema,
  importSourcesSchema,
  serialRequestSchema,
  stopVmRequestSchema,
} from '@/lib/agent-protocol/core';
import { addReplicaTargetRoutes } from './replication/routes-target';
import { addRestoreRoutes } from './restore/routes';
import { accepted, ok, vmId, type AgentRouteDeps } from './route-kit';
import { queryInput, Router } from './router';
import { addCloneGroupRoutes } from './snapshots/clone-group-routes';
import { addReplicationSourceRoutes } from './replication/routes-source';
import { addSnapshotRoutes } from './snapshots/routes';

export const CONSOLE_LINES_DEFAULT = 100;
export const CONSOLE_LINES_MAX = 2000;

const consoleQuerySchema = z
  .object({ lines: z.coerce.number().int().min(1).max(CONSOLE_LINES_MAX).default(CONSOLE_LINES_DEFAULT) })
  .strict();
// Operation ids are randomUUID()s; anything else is refused before the lookup.
const operationIdSchema = z.object({ id: z.uuid() });

export function buildAgentRouter(deps: AgentRouteDeps): Router {
  const { info, vms, images, operations } = deps;
  const router = new Router()
    .get('/v1/info', async () => ok(await info()))
    .get('/v1/vms', async () => ok(await vms.listVms()))
    // Create, start, stop, restart and delete answer 202 with an operation (result: VmRuntime, null for delete).
    .post('/v1/vms', async (ctx) => accepted(await vms.createVm(parseInput(createVmRequestSchema, await ctx.json()))))
    .get('/v1/vms/:id', async (ctx) => ok(await vms.getVm(vmId(ctx))))
    .post('/v1/vms/:id/start', async (ctx) => accepted(await vms.startVm(vmId(ctx))))
    .post('/v1/vms/:id/stop', async (ctx) => {
      const id = vmId(ctx);
      return accepted(await vms.stopVm(id, parseInput(stopVmRequestSchema, await ctx.json())));
    })
    .post('/v1/vms/:id/restart', async (ctx) => accepted(await vms.restartVm(vmId(ctx))))
    .delete('/v1/vms/:id', async (ctx) => accepted(await vms.deleteVm(vmId(ctx))))
    .get('/v1/vms/:id/console', async (ctx) => {
      const id = vmId(ctx);
      const { lines } = parseInput(consoleQuerySchema, queryInput(ctx.query));
      return ok(await vms.consoleTail(id, lines));
    })
    .post('/v1/vms/:id/serial', async (ctx) => {
      const id = vmId(ctx);
      await vms.sendSerial(id, parseInput(serialRequestSchema, await ctx.json()).line);
      return { status: 204 };
    })
    .get('/v1/images', async () => ok(await images.list()))
    .get('/v1/images/import-locations', async () => ok(images.locations()))
    .post('/v1/images/check-sources', async (ctx) => {
      await images.check(parseInput(importSourcesSchema, await ctx.json()));
      return { status: 204 };
    })
    .post('/v1/images/import', async (ctx) =>
      accepted(await images.import(parseInput(importImageRequestSchema, await ctx.json()))),
    )
    .get('/v1/operations/:id', async (ctx) => ok(operations.get(parseInput(operationIdSchema, ctx.params).id)));
  // One guard, so backup and restore file checks share its few file-system slots.
  const points = createRepositoryGuard({ pools: deps.pools, images: deps.dirs.images, data: deps.dirs.data });
  addBackupRoutes(router, deps, points);
  addRestoreRoutes(router, deps, points);
  addMigrationRoutes(router, deps);
  addHaRoutes(router, deps);
  addSnapshotRoutes(router, deps);
  addCloneGroupRoutes(router, deps);
  addReplicaTargetRoutes(router, deps);
  addReplicationSourceRoutes(router, deps);
  return router;
}
