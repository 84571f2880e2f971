import { heartbeatSchema } from '@/lib/agent-protocol/core';
import { hostFromBearer } from '@/lib/domain/hosts/credentials';
import { changeFeed } from '@/lib/domain/events/change-feed';
import { ingestHeartbeat } from '@/lib/domain/hosts/heartbeat';
import { parseBody, route } from '@/lib/http/route-handler';

// Called by an agent every few seconds with its bearer token; no user session.
export const POST = route(async (req) => {
  const host = await hostFromBearer(req.headers.get('authorization'));
  changeFeed.publish({ vms: await ingestHeartbeat(host.id, await parseBody(req, heartbeatSchema)) });
  return new Response(null, { status: 204 });
});
