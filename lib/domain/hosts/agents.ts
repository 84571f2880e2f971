import 'server-only';
import { createAgentClient, type AgentClient } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import { hostOffline, noSuchObject } from '@/lib/errors';
import { dashboardSecretFor } from './credentials';
import { HOST_STATUS } from './dto';
import { effectiveStatus } from './queries';

// The typed client for a host's agent; refuses early (503) when the host is known offline so
// callers do not wait for a connect timeout. timeoutMs: a shorter bound on each HTTP exchange.
export async function agentFor(
  hostId: string,
  opts: { allowOffline?: boolean; timeoutMs?: number } = {},
): Promise<AgentClient> {
  const host = await db().host.findUnique({ where: { id: hostId } });
  if (!host) throw noSuchObject('host', hostId);
  if (!opts.allowOffline && effectiveStatus(host) === HOST_STATUS.offline)
    throw hostOffline(host.name, host.lastHeartbeat?.toISOString());
  return createAgentClient({
    baseUrl: host.agentUrl,
    secret: await dashboardSecretFor(host),
    hostName: host.name,
    timeoutMs: opts.timeoutMs,
  });
}
