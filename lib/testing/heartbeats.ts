import type { Heartbeat } from '@/lib/agent-protocol/core';
import { db } from '@/lib/db/client';
import { ingestHeartbeat } from '@/lib/domain/hosts/heartbeat';

// A host's heartbeats as its agent would send them, with the credential it holds: resolved once,
// so heartbeats sent together are queued in the order they were sent.
export async function heartbeatsOf(hostId: string): Promise<(hb: Heartbeat) => Promise<string[]>> {
  const { agentTokenHash: tokenHash } = await db().host.findUniqueOrThrow({ where: { id: hostId } });
  return (hb) => ingestHeartbeat({ hostId, tokenHash, hb });
}
