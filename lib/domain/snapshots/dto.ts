// What the dashboard API answers about snapshots, checkpoints, groups and schedules (shared by
// the routes, the queries and the UI). Sizes are numbers (bytes; BigInt columns converted).
import type { PointCapabilities } from '@/lib/agent-protocol/snapshots';

export type SnapshotKind = 'snapshot' | 'checkpoint'; // disk only | with memory

export type SnapshotDto = {
  id: string;
  vmId: string;
  name: string;
  description: string | null;
  kind: SnapshotKind;
  parentId: string | null;
  groupId: string | null;
  groupName: string | null;
  scheduleId: string | null;
  layerBytes: number;
  stateBytes: number;
  wasRunning: boolean;
  downtimeMs: number | null;
  pauseMs: number | null;
  createdBy: string | null;
  createdAt: string;
  clones: { vmId: string; vmName: string }[]; // linked clones whose disks sit on this point
};

// GET /api/vms/[vmId]/snapshots: the tree (parentId links) with "you are here".
export type VmSnapshotsDto = {
  vmId: string;
  snapshots: SnapshotDto[];
  currentId: string | null;
  // null when the VM's host cannot be asked now (offline): the screens then offer nothing.
  capabilities: PointCapabilities | null;
  capabilitiesError: string | null;
  cloneOf: { vmId: string; vmName: string; snapshotId: string; snapshotName: string } | null;
};

// GET /api/vms/[vmId]/timeline: every point this VM can return to, on one time axis.
export type TimelinePointKind = 'backup-full' | 'backup-incremental' | 'snapshot' | 'checkpoint' | 'group-checkpoint';
export type TimelinePointDto = {
  id: string;
  kind: TimelinePointKind;
  at: string; // ISO
  label: string;
  sizeBytes: number;
  // What a click offers: a restore point restores (the restore dialog), a snapshot reverts/clones.
  actions: ('revert' | 'clone' | 'restore')[];
};
export type VmTimelineDto = { vmId: string; points: TimelinePointDto[] };

// GET /api/points/stats?days=N: checkpoints and restore points over time, per day and kind.
export type PointStatsKind = 'backup' | 'snapshot' | 'checkpoint' | 'group-checkpoint';
export type PointStatsDayDto = { day: string; kind: PointStatsKind; count: number; sizeBytes: number };
export type PointStatsDto = { days: number; rows: PointStatsDayDto[] };

export type CheckpointGroupDto = {
  id: string;
  name: string;
  memory: boolean;
  members: { vmId: string; vmName: string; snapshotId: string | null }[];
  firstStopAt: string | null;
  lastResumeAt: string | null;
  pauseMs: number | null;
  createdBy: string | null;
  createdAt: string;
};

export type SnapshotScheduleDto = {
  id: string;
  name: string;
  enabled: boolean;
  selector: { vmIds: string[]; tags: string[] };
  memory: boolean;
  schedule: string;
  scheduleText: string; // the cron in words
  timezone: string;
  keep: number;
  nextRunAt: string | null;
  lastRunAt: string | null;
};

// 202 answers of the snapshot actions (Location: /api/tasks/<taskId>); the ids are chosen at
// request time, so a screen can point at the snapshot / clone / group before the task ends.
export type TaskAcceptedDto = { taskId: string };
export type TakeSnapshotAcceptedDto = { taskId: string; snapshotId: string };
export type CloneAcceptedDto = { taskId: string; vmId: string };
export type GroupAcceptedDto = { taskId: string; groupId: string };
