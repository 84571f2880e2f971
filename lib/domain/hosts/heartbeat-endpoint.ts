import 'server-only';
import type { NextRequest } from 'next/server';
import { heartbeatSchema } from '@/lib/agent-protocol/core';
import { changeFeed } from '@/lib/domain/events/change-feed';
import { parseBody, route } from '@/lib/http/route-handler';
import { hostFromBearer } from './credentials';
import { ingestHeartbeat } from './heartbeat';

// POST /api/agent/heartbeat: called by an agent every few seconds with its bearer token; no user
// session. Served by the Next route and, without Next's request pipeline, by the dashboard server
// (lib/http/direct-routes.ts): the same handler either way.
export const heartbeatEndpoint = route(async (req: NextRequest) => {
  const host = await hostFromBearer(req.headers.get('authorization'));
  changeFeed.publish({ vms: await ingestHeartbeat(host.id, await parseBody(req, heartbeatSchema)) });
  return new Response(null, { status: 204 });
});
