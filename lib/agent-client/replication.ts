// Typed agent calls for replication (lib/agent-protocol/replication.ts): the target's replica,
// receive sessions, failover and test failover; the source's send. Operations answer 202: wait
// with waitForOperation.
import { z } from 'zod';
import { operationSchema } from '@/lib/agent-protocol/core';
import {
  exportSessionSchema,
  inPlaceStateSchema,
  receiveSessionSchema,
  replicaStateSchema,
  type CommitInPlaceRequest,
  type CommitReceiveRequest,
  type ExportRequest,
  type PullRequest,
  type DefineReplicaRequest,
  type SendRequest,
  type TestFailoverRequest,
} from '@/lib/agent-protocol/replication';
import type { AgentCall } from './index';

const replica = (id: string) => `/v1/replicas/${encodeURIComponent(id)}`;
const session = (id: string, pointId: string) => `${replica(id)}/receive/${encodeURIComponent(pointId)}`;
const vmRepl = (vmId: string) => `/v1/vms/${encodeURIComponent(vmId)}/replication`;
const inPlace = (vmId: string, pointId: string) => `${vmRepl(vmId)}/receive-in-place/${encodeURIComponent(pointId)}`;

export const replicationCalls = (call: AgentCall) => ({
  defineReplica: (id: string, req: DefineReplicaRequest) => call('PUT', replica(id), replicaStateSchema, req),
  getReplica: (id: string) => call('GET', replica(id), replicaStateSchema),
  deleteReplica: (id: string) => call('DELETE', replica(id), operationSchema),
  receive: (id: string, req: { pointId: string; full: boolean }) =>
    call('POST', `${replica(id)}/receive`, receiveSessionSchema, req),
  commitReceive: (id: string, pointId: string, req: CommitReceiveRequest) =>
    call('POST', `${session(id, pointId)}/commit`, replicaStateSchema, req),
  abortReceive: (id: string, pointId: string) => call('DELETE', session(id, pointId), z.unknown()),
  failover: (id: string, req: { pointId: string; start: boolean }) =>
    call('POST', `${replica(id)}/failover`, operationSchema, req),
  testFailover: (id: string, req: TestFailoverRequest) => call('POST', `${replica(id)}/tests`, operationSchema, req),
  sendReplication: (vmId: string, req: SendRequest) => call('POST', `${vmRepl(vmId)}/send`, operationSchema, req),
  // Failback: B exports the promoted replica read-only, A pulls its own divergent clusters back
  // from it, then B pushes into A's disk in place (receive-in-place + send + commit), B demotes.
  exportReplication: (vmId: string, req: ExportRequest = {}) =>
    call('POST', `${vmRepl(vmId)}/export`, exportSessionSchema, req),
  endExport: (vmId: string, exportId: string) =>
    call('DELETE', `${vmRepl(vmId)}/export/${encodeURIComponent(exportId)}`, z.unknown()),
  pullReplication: (vmId: string, req: PullRequest) => call('POST', `${vmRepl(vmId)}/pull`, operationSchema, req),
  receiveInPlace: (vmId: string, req: { pointId: string }) =>
    call('POST', `${vmRepl(vmId)}/receive-in-place`, receiveSessionSchema, req),
  commitInPlace: (vmId: string, pointId: string, req: CommitInPlaceRequest) =>
    call('POST', `${inPlace(vmId, pointId)}/commit`, inPlaceStateSchema, req),
  abortInPlace: (vmId: string, pointId: string) => call('DELETE', inPlace(vmId, pointId), z.unknown()),
  demote: (id: string, req: { pointId: string }) => call('POST', `${replica(id)}/demote`, replicaStateSchema, req),
});
