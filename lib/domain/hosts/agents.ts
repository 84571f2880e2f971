import 'server-only';
import { createAgentClient, type AgentClient, type AgentClientOptions } from '@/lib/agent-client';
import { db } from '@/lib/db/client';
import type { Host } from '@/lib/generated/prisma/client';
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
  return createAgentClient(await agentOptionsFor(hostId, opts));
}

// The connection options alone, for the streaming calls outside the typed client (boot-file relay).
export async function agentOptionsFor(
  hostId: string,
  opts: { allowOffline?: boolean; timeoutMs?: number } = {},
): Promise<AgentClientOptions> {
  const host = await db().host.findUnique({ where: { id: hostId } });
  if (!host) throw noSuchObject('host', hostId);
  return agentOptionsOf(host, opts);
}

// From a host row the caller already holds (the HA tick reads every host once a second).
export async function agentOptionsOf(
  host: Host,
  opts: { allowOffline?: boolean; timeoutMs?: number } = {},
): Promise<AgentClientOptions> {
  if (!opts.allowOffline && effectiveStatus(host) === HOST_STATUS.offline)
    throw hostOffline(host.name, host.lastHeartbeat?.toISOString());
  return {
    baseUrl: host.agentUrl,
    secret: await dashboardSecretFor(host),
    hostName: host.name,
    timeoutMs: opts.timeoutMs,
  };
}
