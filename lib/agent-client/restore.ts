// Typed agent calls for restores (lib/agent/restore/routes.ts).
import { z } from 'zod';
import { operationSchema } from '@/lib/agent-protocol/core';
import type { ReplaceDiskRequest, RestoreVmRequest, SafetyRequest } from '@/lib/agent-protocol/restore';
import type { AgentCall } from './index';

const vm = (id: string) => `/v1/vms/${encodeURIComponent(id)}`;

export const restoreCalls = (call: AgentCall) => ({
  restoreVm: (req: RestoreVmRequest) => call('POST', '/v1/restores', operationSchema, req),
  replaceVmDisk: (vmId: string, req: ReplaceDiskRequest) =>
    call('POST', `${vm(vmId)}/replace-disk`, operationSchema, req),
  discardSafety: (vmId: string, req: SafetyRequest) => call('POST', `${vm(vmId)}/safety/discard`, z.undefined(), req),
  revertSafety: (vmId: string, req: SafetyRequest) => call('POST', `${vm(vmId)}/safety/revert`, z.undefined(), req),
});
