// Typed agent calls for live migration (target: prepare/finish/abort; source: migrate/cancel,
// then after the hand-over finish or resume; dirty rate and the link probe for the dashboard's
// cost estimate).
import { z } from 'zod';
import {
  dirtyRateSchema,
  incomingResponseSchema,
  outgoingStatusSchema,
  probeFinishSchema,
  probeIncomingSchema,
  probeResultSchema,
  type FinishIncomingRequest,
  type FinishOutgoingRequest,
  type IncomingRequest,
  type MigrateRequest,
} from '@/lib/agent-protocol/migration';
import { operationSchema, vmRuntimeSchema } from '@/lib/agent-protocol/core';
import type { AgentCall } from './index';

const noContent = z.undefined();
const vm = (id: string) => `/v1/vms/${encodeURIComponent(id)}`;
const incoming = (id: string) => `/v1/migrations/incoming/${encodeURIComponent(id)}`;

export const migrationCalls = (call: AgentCall) => ({
  prepareIncoming: (req: IncomingRequest) => call('POST', '/v1/migrations/incoming', incomingResponseSchema, req),
  finishIncoming: (vmId: string, req: FinishIncomingRequest) =>
    call('POST', `${incoming(vmId)}/finish`, vmRuntimeSchema, req),
  abortIncoming: (vmId: string) => call('DELETE', incoming(vmId), noContent),
  migrateVm: (vmId: string, req: MigrateRequest) => call('POST', `${vm(vmId)}/migrate`, operationSchema, req),
  cancelMigration: (vmId: string) => call('POST', `${vm(vmId)}/migrate/cancel`, noContent),
  outgoingStatus: (vmId: string) => call('GET', `${vm(vmId)}/migrate`, outgoingStatusSchema),
  finishOutgoing: (vmId: string, req: FinishOutgoingRequest) =>
    call('POST', `${vm(vmId)}/migrate/finish`, noContent, req),
  resumeOutgoing: (vmId: string) => call('POST', `${vm(vmId)}/migrate/resume`, vmRuntimeSchema),
  dirtyRate: (vmId: string) => call('GET', `${vm(vmId)}/dirty-rate`, dirtyRateSchema),
  // Link probe (lib/agent/migration/probe.ts): target prepare, source send, target finish.
  probeIncoming: () => call('POST', '/v1/probe/incoming', probeIncomingSchema, {}),
  probeSend: (migrationUri: string) => call('POST', '/v1/probe/send', probeResultSchema, { migrationUri }),
  probeFinish: (probeId: string) =>
    call('POST', `/v1/probe/incoming/${encodeURIComponent(probeId)}/finish`, probeFinishSchema, {}),
});

export type {
  IncomingRequest,
  IncomingResponse,
  MigrateRequest,
  MigrateResult,
  MigrationDetail,
  DirtyRate,
  OutgoingStatus,
} from '@/lib/agent-protocol/migration';
