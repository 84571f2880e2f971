// Agent HTTP routes for backups (docs/ARCHITECTURE.md, "Agent HTTP API").
import { parseInput } from '@/lib/http/validation';
import type { Router } from '../router';
import { accepted, ok, vmId, type AgentRouteDeps } from '../route-kit';
import {
  backupVmRequestSchema,
  deleteBackupRequestSchema,
  rebaseBackupRequestSchema,
  repositoryCheckRequestSchema,
  verifyBackupRequestSchema,
} from '@/lib/agent-protocol/backup';
import type { RepositoryGuard } from './repository';
import { createBackupService } from './service';

export function addBackupRoutes(router: Router, deps: AgentRouteDeps, guard: RepositoryGuard): void {
  const backups = createBackupService(deps, guard);
  router
    .post('/v1/vms/:id/backup', async (ctx) => {
      const id = vmId(ctx);
      return accepted(await backups.backupVm(id, parseInput(backupVmRequestSchema, await ctx.json())));
    })
    .post('/v1/backups/verify', async (ctx) =>
      accepted(await backups.verify(parseInput(verifyBackupRequestSchema, await ctx.json()))),
    )
    .post('/v1/backups/delete', async (ctx) =>
      ok(await backups.delete(parseInput(deleteBackupRequestSchema, await ctx.json()).paths)),
    )
    .post('/v1/backups/rebase', async (ctx) =>
      accepted(await backups.rebase(parseInput(rebaseBackupRequestSchema, await ctx.json()))),
    )
    .post('/v1/backups/repository', async (ctx) =>
      ok(await backups.repository(parseInput(repositoryCheckRequestSchema, await ctx.json()))),
    );
}
