// Agent HTTP routes for live migration (docs/ARCHITECTURE.md, "Agent HTTP API"). The dashboard's
// worker drives both ends: prepare on the target, migrate on the source, poll, finish on the
// target, then finish on the source (abort the target on failure or cancel; after a hand-over the
// target never ran, resume on the source).
import { z } from 'zod';
import { parseInput } from '@/lib/http/validation';
import { requireQemu } from '../qemu/context';
import { guestRamInUse } from '../qemu/guest-ram';
import { measureDirtyRate } from '../qemu/migration-qmp';
import { vmIdSchema } from '@/lib/agent-protocol/core';
import type { Router } from '../router';
import { ok, vmId, type AgentRouteDeps } from '../route-kit';
import { createIncomingMigrations, type IncomingMigrations } from './incoming';
import { createHandOver } from './hand-over';
import { createOutgoingMigrations } from './outgoing';
import { createLinkProbes, type LinkProbes } from './probe';
import {
  finishIncomingRequestSchema,
  finishOutgoingRequestSchema,
  incomingRequestSchema,
  migrateRequestSchema,
  probeSendRequestSchema,
  type DirtyRate,
} from '@/lib/agent-protocol/migration';

// The address the caller reached this agent on: the source host reaches it there too (a loopback
// agent gets a loopback migration; "::ffff:1.2.3.4" is plain IPv4).
const noFields = z.object({}).strict();

const localAddress = (addr: string | undefined) => (addr ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');

export function addMigrationRoutes(router: Router, deps: AgentRouteDeps): void {
  // Built on first use: the simulated driver has no QEMU and answers 501 per request.
  let incoming: IncomingMigrations | null = null;
  let outgoing: ReturnType<typeof createOutgoingMigrations> | null = null;
  let handOver: ReturnType<typeof createHandOver> | null = null;
  let probes: LinkProbes | null = null;
  const qemu = () => requireQemu(deps.driver, 'live migration');
  const target = () => (incoming ??= createIncomingMigrations(qemu()));
  const source = () => (outgoing ??= createOutgoingMigrations(qemu(), deps.operations));
  const handedOver = () => (handOver ??= createHandOver(qemu(), source().isMigrating));
  const probe = () => (probes ??= createLinkProbes(requireQemu(deps.driver, 'link probe')));
  const incomingId = (params: Record<string, string>) => parseInput(z.object({ id: vmIdSchema }), params).id;

  router
    .post('/v1/migrations/incoming', async (ctx) => {
      const req = parseInput(incomingRequestSchema, await ctx.json());
      return { status: 201, body: await target().prepare(req, localAddress(ctx.req.socket.localAddress)) };
    })
    .post('/v1/migrations/incoming/:id/finish', async (ctx) => {
      const id = incomingId(ctx.params);
      const { guestReady } = parseInput(finishIncomingRequestSchema, await ctx.json());
      return ok(await target().finish(id, guestReady));
    })
    .delete('/v1/migrations/incoming/:id', async (ctx) => {
      await target().abort(incomingId(ctx.params));
      return { status: 204 };
    })
    .post('/v1/vms/:id/migrate', async (ctx) => {
      const id = vmId(ctx);
      // before source(): bad input is 422 even without QEMU
      const req = parseInput(migrateRequestSchema, await ctx.json());
      return { status: 202, body: await source().migrate(id, req) };
    })
    .post('/v1/vms/:id/migrate/cancel', async (ctx) => {
      await source().cancel(vmId(ctx));
      return { status: 204 };
    })
    .get('/v1/vms/:id/migrate', async (ctx) => ok(await handedOver().status(vmId(ctx))))
    .post('/v1/vms/:id/migrate/finish', async (ctx) => {
      const id = vmId(ctx);
      const { mode } = parseInput(finishOutgoingRequestSchema, await ctx.json());
      await handedOver().finish(id, mode);
      return { status: 204 };
    })
    .post('/v1/vms/:id/migrate/resume', async (ctx) => ok(await handedOver().resume(vmId(ctx))))
    .post('/v1/probe/incoming', async (ctx) => {
      parseInput(noFields, await ctx.json());
      return { status: 201, body: await probe().prepare(localAddress(ctx.req.socket.localAddress)) };
    })
    .post('/v1/probe/send', async (ctx) => {
      const { migrationUri } = parseInput(probeSendRequestSchema, await ctx.json());
      return ok(await probe().send(migrationUri));
    })
    .post('/v1/probe/incoming/:probeId/finish', async (ctx) => {
      const { probeId } = parseInput(z.object({ probeId: vmIdSchema }), ctx.params); // a uuid, in the id charset
      parseInput(noFields, await ctx.json());
      return ok(await probe().finish(probeId));
    })
    .get('/v1/vms/:id/dirty-rate', async (ctx) => {
      const id = vmId(ctx);
      const s = await qemu().vms.expectSession(id, ['running']);
      const spec = await qemu().vms.must(id);
      const memoryInUseBytes = await guestRamInUse(s.pid, spec.memoryMiB * 1024 * 1024);
      const body: DirtyRate = {
        dirtyRateMiBps: await measureDirtyRate(s),
        memoryInUseBytes,
        measuredAt: new Date().toISOString(),
      };
      return ok(body);
    });
}
