// Agent HTTP routes for restores (docs/ARCHITECTURE.md, "Agent HTTP API"): restore as a new VM
// (copy or instant), replace a stopped VM's disk, and discard or revert its safety disk.
import { parseInput } from '@/lib/http/validation';
import type { RepositoryGuard } from '../backup/repository';
import type { Router } from '../router';
import { vmId, type AgentRouteDeps } from '../route-kit';
import { replaceDiskRequestSchema, restoreVmRequestSchema, safetyRequestSchema } from '@/lib/agent-protocol/restore';
import { checkReplaceDisk, discardSafety, replaceDisk, revertSafety } from './replace-disk';
import { planRestore, restoreVm } from './restore-vm';

// A restore reads only restore point files of an allowed repository (the agent never reads a
// file outside what an admin allowed, whatever the caller names).
export function addRestoreRoutes(router: Router, deps: AgentRouteDeps, points: RepositoryGuard): void {
  const { operations } = deps;
  router
    .post('/v1/restores', async (ctx) => {
      const req = parseInput(restoreVmRequestSchema, await ctx.json());
      await points.assertPointFiles([req.sourcePath], () => 'sourcePath');
      const plan = await planRestore(deps, req);
      const msg = `restore VM ${req.vm.id} (${req.mode}) from ${req.sourcePath}`;
      return { status: 202, body: operations.start('vm.restore', msg, (op) => restoreVm(deps, plan, op)) };
    })
    .post('/v1/vms/:id/replace-disk', async (ctx) => {
      const id = vmId(ctx);
      const req = parseInput(replaceDiskRequestSchema, await ctx.json());
      await points.assertPointFiles([req.sourcePath], () => 'sourcePath');
      await checkReplaceDisk(deps, id, req.sourcePath);
      return {
        status: 202,
        body: operations.start('vm.replace-disk', `replace the disk of VM ${id} from ${req.sourcePath}`, (op) =>
          replaceDisk(deps, id, req, op),
        ),
      };
    })
    .post('/v1/vms/:id/safety/discard', async (ctx) => {
      const id = vmId(ctx);
      await discardSafety(deps, id, parseInput(safetyRequestSchema, await ctx.json()).safetyPath);
      return { status: 204 };
    })
    .post('/v1/vms/:id/safety/revert', async (ctx) => {
      const id = vmId(ctx);
      await revertSafety(deps, id, parseInput(safetyRequestSchema, await ctx.json()).safetyPath);
      return { status: 204 };
    });
}
