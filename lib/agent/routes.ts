// The agent HTTP API (docs/ARCHITECTURE.md, "Agent HTTP API"): thin handlers that parse with the
// protocol schemas and call the VM/image services.
import { z } from 'zod';
import { addBackupRoutes } from './backup/routes';
import type { PoolConfig } from './config';
import type { Driver } from './driver/types';
import type { ImageService } from './images/import';
import { addMigrationRoutes } from './migration/routes';
import type { Operations } from './operations';
import { parseInput } from '@/lib/http/validation';
import { createVmRequestSchema, importImageRequestSchema, serialRequestSchema, stopVmRequestSchema, vmIdSchema, type AgentInfo } from './protocol';
import { addRestoreRoutes } from './restore/routes';
import { Router, type RouteContext } from './router';
import type { VmService } from './vms';

export const CONSOLE_LINES_DEFAULT = 100;
export const CONSOLE_LINES_MAX = 2000;

const consoleQuerySchema = z.object({ lines: z.coerce.number().int().min(1).max(CONSOLE_LINES_MAX).default(CONSOLE_LINES_DEFAULT) });

export type AgentRouteDeps = {
  info: () => Promise<AgentInfo>;
  vms: VmService;
  images: ImageService;
  operations: Operations;
  driver: Driver;
  pools: PoolConfig[];
  log: (msg: string) => void;
};

export const vmId = (ctx: RouteContext) => parseInput(z.object({ id: vmIdSchema }), ctx.params).id;
export const ok = (body: unknown) => ({ status: 200, body });

export function buildAgentRouter(deps: AgentRouteDeps): Router {
  const { info, vms, images, operations } = deps;
  const router = new Router()
    .get('/v1/info', async () => ok(await info()))
    .get('/v1/vms', async () => ok(await vms.listVms()))
    .post('/v1/vms', async (ctx) => ({ status: 201, body: await vms.createVm(parseInput(createVmRequestSchema, await ctx.json())) }))
    .get('/v1/vms/:id', async (ctx) => ok(await vms.getVm(vmId(ctx))))
    .post('/v1/vms/:id/start', async (ctx) => ok(await vms.startVm(vmId(ctx))))
    .post('/v1/vms/:id/stop', async (ctx) => {
      const id = vmId(ctx);
      return ok(await vms.stopVm(id, parseInput(stopVmRequestSchema, await ctx.json())));
    })
    .post('/v1/vms/:id/restart', async (ctx) => ok(await vms.restartVm(vmId(ctx))))
    .delete('/v1/vms/:id', async (ctx) => {
      await vms.deleteVm(vmId(ctx));
      return { status: 204 };
    })
    .get('/v1/vms/:id/console', async (ctx) => {
      const id = vmId(ctx);
      const { lines } = parseInput(consoleQuerySchema, Object.fromEntries(ctx.query));
      return ok({ lines: await vms.consoleTail(id, lines) });
    })
    .post('/v1/vms/:id/serial', async (ctx) => {
      const id = vmId(ctx);
      await vms.sendSerial(id, parseInput(serialRequestSchema, await ctx.json()).line);
      return { status: 204 };
    })
    .get('/v1/images', async () => ok(await images.list()))
    .post('/v1/images/import', async (ctx) => ({ status: 202, body: images.import(parseInput(importImageRequestSchema, await ctx.json())) }))
    .get('/v1/operations/:id', async (ctx) => ok(operations.get(ctx.params.id)));
  addBackupRoutes(router, deps);
  addRestoreRoutes(router, deps);
  addMigrationRoutes(router, deps);
  return router;
}
