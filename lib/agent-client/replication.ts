// Typed agent calls for replication (lib/agent-protocol/replication.ts): the target's replica,
// receive sessions, failover and test failover; the source's send. Operations answer 202: wait
// with waitForOperation.
import { z } from 'zod';
import { operationSchema } from '@/lib/agent-protocol/core';
import {
  receiveSessionSchema,
  replicaStateSchema,
  type CommitReceiveRequest,
  type DefineReplicaRequest,
  type SendRequest,
  type TestFailoverRequest,
} from '@/lib/agent-protocol/replication';
import type { AgentCall } from './index';

const replica = (id: string) => `/v1/replicas/${encodeURIComponent(id)}`;
const session = (id: string, pointId: string) => `${replica(id)}/receive/${encodeURIComponent(pointId)}`;

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
  sendReplication: (vmId: string, req: SendRequest) =>
    call('POST', `/v1/vms/${encodeURIComponent(vmId)}/replication/send`, operationSchema, req),
});
