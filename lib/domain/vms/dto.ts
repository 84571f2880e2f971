import type { VmRuntimeState } from '@/lib/agent-protocol/core';
import type { VmDrState, VmRole } from '@/lib/domain/dr/dto';

export const VM_STATE = {
  provisioning: 'provisioning',
  starting: 'starting',
  running: 'running',
  paused: 'paused',
  stopping: 'stopping',
  stopped: 'stopped',
  crashed: 'crashed',
  deleting: 'deleting',
  migrating: 'migrating', // running, being moved to another host by a vm.migrate task
  error: 'error',
} as const;
export type VmState = (typeof VM_STATE)[keyof typeof VM_STATE];

// What QEMU reports (via the agent) as the dashboard's VM state.
export const VM_STATE_FROM_RUNTIME: Record<VmRuntimeState, VmState> = {
  running: VM_STATE.running,
  paused: VM_STATE.paused,
  shutoff: VM_STATE.stopped,
  crashed: VM_STATE.crashed,
};

export const VM_ACTIONS = ['start', 'stop', 'force-stop', 'restart'] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

export type VmDto = {
  id: string;
  name: string;
  state: VmState;
  guestReady: boolean;
  guestWarning: string | null; // why the guest has not reported ready, when provisioning gave up waiting
  hostId: string;
  hostName: string;
  imageId: string | null;
  imageLabel: string | null; // "tiny-linux 1.0"
  vcpus: number;
  memoryMiB: number;
  diskSizeBytes: number;
  pool: string;
  diskPath: string;
  haEnabled: boolean;
  haPriority: 'high' | 'medium' | 'low'; // HA restart order after a host failure (lib/domain/ha)
  haOrder: number;
  tags: string[];
  cpuPct: number;
  rssBytes: number;
  lastError: string | null;
  createdAt: string;
  activeTaskId: string | null; // a queued/running task on this VM, if any
  // Disaster recovery (lib/domain/dr/dto.ts): role replica = start blocked until a failover;
  // dr-test = a test failover's isolated copy. replicaOf: replica -> the protected VM, dr-test ->
  // the replica. drState 'failed-over': the replica took over (start refused).
  role: VmRole;
  replicaOfId: string | null;
  replicaOfName: string | null;
  drState: VmDrState;
};
