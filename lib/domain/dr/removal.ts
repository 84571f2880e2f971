import 'server-only';
import { waitForOperation } from '@/lib/agent-client';
import { agentFor } from '@/lib/domain/hosts/agents';
import { noSuchObject } from '@/lib/errors';
import type { Vm } from '@/lib/generated/prisma/client';
import { requireOnline } from './checks';

// Removing a replica's directory is quick (files only, nothing runs): the request waits for it,
// bounded. One the agent never defined (no run yet) or already removed is gone already.
const REMOVE_TIMEOUT_MS = 60_000;

export async function removeReplica(
  replica: Pick<Vm, 'id' | 'hostId'> & { host: Parameters<typeof requireOnline>[0] },
) {
  requireOnline(replica.host);
  const agent = await agentFor(replica.hostId);
  try {
    const op = await agent.deleteReplica(replica.id);
    await waitForOperation(agent, op.id, undefined, { intervalMs: 250, timeoutMs: REMOVE_TIMEOUT_MS });
  } catch (err) {
    if (!noSuchObject.is(err)) throw err;
  }
}
