// Agent HTTP routes for HA (docs/ARCHITECTURE.md, "Agent HTTP API"): this host's lease, its view
// of the peers' leases and its memory error counters; takeover of a VM whose owner's lease expired.
import { parseInput } from '@/lib/http/validation';
import type { Router } from '../router';
import { accepted, ok, type AgentRouteDeps } from '../route-kit';
import { takeoverRequestSchema } from '@/lib/agent-protocol/ha';

export function addHaRoutes(router: Router, deps: AgentRouteDeps): void {
  const { ha } = deps;
  router
    .get('/v1/ha/status', async () => ok(await ha.status()))
    .post('/v1/ha/takeover', async (ctx) =>
      accepted(await ha.takeover(parseInput(takeoverRequestSchema, await ctx.json()))),
    );
}
