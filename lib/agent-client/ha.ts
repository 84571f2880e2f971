// Typed agent calls for HA: the host's lease, its view of the peers' leases and its EDAC counters;
// takeover of a shared-pool VM whose owner's lease expired (202 Operation, result VmRuntime: wait
// with waitForOperation). Prefixed names: the calls are spread into the one client object.
import { haStatusSchema, type TakeoverRequest } from '@/lib/agent-protocol/ha';
import { operationSchema } from '@/lib/agent-protocol/core';
import type { AgentCall } from './index';

export const haCalls = (call: AgentCall) => ({
  haStatus: () => call('GET', '/v1/ha/status', haStatusSchema),
  haTakeover: (req: TakeoverRequest) => call('POST', '/v1/ha/takeover', operationSchema, req),
});

export type { HaStatus, PeerLease, TakeoverRequest } from '@/lib/agent-protocol/ha';
