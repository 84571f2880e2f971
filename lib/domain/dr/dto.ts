// What the dashboard API answers about disaster recovery (app/api/dr/**), shared by the routes,
// the queries and the /dr page. Times are ISO strings, sizes numbers (bytes), durations seconds
// unless the name says otherwise.

export const DR_STATUS = ['ok', 'late', 'failed', 'never', 'failed-over', 'failing-back', 'paused'] as const;
// ok: RPO within target; late: over it; failed: the last run failed; never: no point yet;
// failed-over: the replica took over (replication stopped); failing-back: the replica replicates
// back into the original disk (job.failback says how far); paused: job disabled.
export type DrStatus = (typeof DR_STATUS)[number];

export const VM_ROLE = ['vm', 'replica', 'dr-test'] as const;
export type VmRole = (typeof VM_ROLE)[number];
export type VmDrState = 'failed-over' | null;

export type DrJobState = 'active' | 'failed-over' | 'failing-back';
// forward: the VM -> its replica; reverse (failback): the replica, now the VM -> the original disk.
export type ReplicationDirection = 'forward' | 'reverse';

export type ReplicaPointDto = {
  id: string; // rpl-<12 hex>
  takenAt: string; // the data is the VM's as of this instant
  kind: 'full' | 'incremental';
  fullReason: string | null;
  bytesSent: number;
  layerBytes: number;
  testVmIds: string[]; // dr-test VMs standing on this point (it is not pruned while they exist)
};

export type ReplicationRunDto = {
  id: string;
  taskId: string | null;
  status: 'running' | 'succeeded' | 'failed';
  direction: ReplicationDirection;
  pointId: string | null;
  kind: 'full' | 'incremental' | null;
  fullReason: string | null;
  bytesSent: number;
  bytesPulled: number; // reverse, first run: the original's own changes read back from the replica
  durationMs: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
};

// One sample of the lag chart: the RPO (age of the newest point) at `at`. Each successful run
// gives two samples at its finish (just before: age of the previous point; after: age of the new
// one), plus one for now: drawn in order they make the sawtooth.
export type LagSampleDto = { at: string; rpoSec: number };

export type DrTestVmDto = {
  vmId: string;
  name: string;
  state: string; // VmState
  hostId: string;
  pointId: string | null; // the replica point it was started from (null if unknown)
  createdAt: string;
};

// After a failover: where the failback stands. "failback: bytesSent + bytesPulled sent against a
// full copy of fullCopyBytes" (the disk's virtual size).
export type DrFailbackDto = {
  failoverPointId: string | null; // the point the replica was promoted from (the last common point)
  failedOverAt: string | null;
  reverseBaseId: string | null; // the newest reverse point the original disk holds (null: none yet)
  reverseRuns: number; // succeeded reverse runs since the failover
  bytesSent: number; // summed over those runs
  bytesPulled: number;
  fullCopyBytes: number;
  canStart: boolean; // job failed-over: Failback start allowed (hosts are checked on request)
  canComplete: boolean; // failing back and one reverse run succeeded: the switch back is allowed
};

export type DrEndpointDto = { hostId: string; hostName: string; site: string; hostStatus: string };

export type DrJobDto = {
  id: string;
  vm: { id: string; name: string; state: string; drState: VmDrState } & DrEndpointDto; // the protected VM
  replica: { id: string; name: string; state: string; role: VmRole } & DrEndpointDto; // target side
  intervalSec: number;
  keepPoints: number;
  rpoTargetSec: number;
  enabled: boolean;
  state: DrJobState;
  fullRequested: boolean; // a full copy at the next run
  failback: DrFailbackDto | null; // null while the job replicates forward (never failed over)
  status: DrStatus;
  statusReason: string; // one line for the badge's tooltip
  rpoSec: number | null; // now - newest point's takenAt (null: no point)
  newestPoint: ReplicaPointDto | null;
  points: ReplicaPointDto[]; // newest first
  lastRun: ReplicationRunDto | null;
  running: boolean; // a run is in progress now
  activeTaskId: string | null; // a queued/running DR task on this job (run, failover, test)
  activeTaskKind: string | null; // its task kind (replication.run: failover and test failover wait for it)
  tests: DrTestVmDto[];
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  createdBy: string | null;
  createdAt: string;
};

// GET /api/dr/jobs/[jobId]: the job with its recent runs (newest first) and the lag series.
export type DrJobDetailDto = DrJobDto & { runs: ReplicationRunDto[]; lag: LagSampleDto[] };

export type DrSiteHostDto = {
  id: string;
  name: string;
  status: string; // online | offline
  maintenance: boolean;
  driver: 'qemu' | 'simulated';
  vmCount: number;
};
export type DrSiteDto = { name: string; hosts: DrSiteHostDto[] };

// GET /api/dr/overview: sites with their hosts, every job (protected VM) with its status and
// points, and each job's lag series over the window (default the last hour).
export type DrOverviewDto = {
  generatedAt: string;
  windowSec: number;
  sites: DrSiteDto[];
  jobs: (DrJobDto & { lag: LagSampleDto[] })[];
};

// POST /api/dr/jobs answers 201 with the job; run / failover / test-failover answer 202 with the
// task: { taskId } (and, for a test failover, the dr-test VM's id: { taskId, vmId }).
export type DrTaskAcceptedDto = { taskId: string; vmId?: string };

// Failover plans (GET /api/dr/plans, /api/dr/plans/[planId]): VMs failed over together in boot
// order: lower `order` first, equal orders in parallel; a group's guests are ready before the
// next group starts.
export const PLAN_RUN_KIND = ['test', 'planned', 'unplanned'] as const;
export type PlanRunKind = (typeof PLAN_RUN_KIND)[number];

export type FailoverPlanMemberDto = {
  vmId: string;
  vmName: string | null; // null: the VM was deleted since
  order: number;
  jobId: string | null; // its replication job (null: no longer protected: the plan cannot run)
  status: DrStatus | null;
  replicaHostName: string | null;
  replicaSite: string | null;
};

export type FailoverPlanRunDto = {
  taskId: string;
  kind: PlanRunKind;
  state: string; // TaskState
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
};

export type FailoverPlanDto = {
  id: string;
  name: string;
  members: FailoverPlanMemberDto[]; // by order, then name
  runnable: boolean; // every member protected by an active job
  activeTaskId: string | null;
  lastRun: FailoverPlanRunDto | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
};
