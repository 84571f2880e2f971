import 'server-only';
import type { NextRequest } from 'next/server';
import { heartbeatSchema } from '@/lib/agent-protocol/core';
import { changeFeed } from '@/lib/domain/events/change-feed';
import { parseBody, route } from '@/lib/http/route-handler';
import { agentFromBearer } from './credentials';
import { ingestHeartbeat } from './heartbeat';

// POST /api/agent/heartbeat: called by an agent every few seconds with its bearer token; no user
// session. Served by the Next route and, without Next's request pipeline, by the dashboard server
// (lib/http/direct-routes.ts): the same handler either way.
export const heartbeatEndpoint = route(async (req: NextRequest) => {
  const { hostId, tokenHash } = await agentFromBearer(req.headers.get('authorization'));
  const hb = await parseBody(req, heartbeatSchema);
  changeFeed.publish({ vms: await ingestHeartbeat({ hostId, tokenHash, hb }, req.signal) });
  return new Response(null, { status: 204 });
});
