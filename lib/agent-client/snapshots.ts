// Typed agent calls for snapshots, checkpoints, linked clones and group checkpoints
// (lib/agent-protocol/snapshots.ts). Operations answer 202: wait with waitForOperation.
import { z } from 'zod';
import { operationSchema } from '@/lib/agent-protocol/core';
import {
  groupPauseResultSchema,
  groupPrepareResultSchema,
  vmPointsSchema,
  type CloneRequest,
  type GroupCaptureRequest,
  type GroupPauseRequest,
  type GroupResumeRequest,
  type GroupRevertRequest,
  type TakePointRequest,
} from '@/lib/agent-protocol/snapshots';
import type { AgentCall } from './index';

const vm = (id: string) => `/v1/vms/${encodeURIComponent(id)}`;
const point = (vmId: string, pointId: string) => `${vm(vmId)}/points/${encodeURIComponent(pointId)}`;

export const snapshotCalls = (call: AgentCall) => ({
  vmPoints: (vmId: string) => call('GET', `${vm(vmId)}/points`, vmPointsSchema),
  takePoint: (vmId: string, req: TakePointRequest) => call('POST', `${vm(vmId)}/points`, operationSchema, req),
  revertPoint: (vmId: string, pointId: string) => call('POST', `${point(vmId, pointId)}/revert`, operationSchema, {}),
  deletePoint: (vmId: string, pointId: string) => call('DELETE', point(vmId, pointId), operationSchema),
  clonePoint: (vmId: string, pointId: string, req: CloneRequest) =>
    call('POST', `${point(vmId, pointId)}/clone`, operationSchema, req),
  detachClone: (vmId: string) => call('POST', `${vm(vmId)}/detach`, operationSchema, {}),
  groupPrepare: (req: GroupPauseRequest) => call('POST', '/v1/points/group/prepare', groupPrepareResultSchema, req),
  groupPause: (req: GroupPauseRequest) => call('POST', '/v1/points/group/pause', groupPauseResultSchema, req),
  groupCapture: (req: GroupCaptureRequest) => call('POST', '/v1/points/group/capture', operationSchema, req),
  groupResume: (req: GroupResumeRequest) => call('POST', '/v1/points/group/resume', z.unknown(), req),
  groupRevert: (req: GroupRevertRequest) => call('POST', '/v1/points/group/revert', operationSchema, req),
});

export type {
  GroupCaptureResult,
  PointCapabilities,
  PointRecord,
  RevertResult,
  VmPoints,
} from '@/lib/agent-protocol/snapshots';
