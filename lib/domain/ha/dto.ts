// What the HA API and pages exchange (docs/ARCHITECTURE.md, "High availability").
export const HA_PRIORITIES = ['high', 'medium', 'low'] as const;
export type HaPriority = (typeof HA_PRIORITIES)[number];

// online: heartbeats fresh; suspect: heartbeats or lease renewals missed; isolated: the dashboard
// cannot reach it but its lease is fresh (alive: its VMs are NOT restarted); fenced: it fenced
// itself (lost its lease); failed: its lease expired (its VMs are restarted elsewhere);
// degraded: corrected memory errors over the threshold (evacuated).
export const HA_HOST_STATES = ['online', 'suspect', 'isolated', 'fenced', 'failed', 'degraded'] as const;
export type HaHostState = (typeof HA_HOST_STATES)[number];

// off: no admission control; tolerate: keep room to restart the HA VMs of the N biggest hosts;
// failover-hosts: the named hosts are kept empty for restarts (N:K).
export const HA_ADMISSION_MODES = ['off', 'tolerate', 'failover-hosts'] as const;
export type HaAdmissionMode = (typeof HA_ADMISSION_MODES)[number];

export const HA_RESTART_STATES = ['pending', 'restarting', 'running', 'failed', 'cancelled'] as const;
export type HaRestartState = (typeof HA_RESTART_STATES)[number];

export const HA_EVENT_KINDS = [
  'heartbeat-missed',
  'host-suspect',
  'host-isolated',
  'lease-expired',
  'host-fenced',
  'host-recovered',
  'host-degraded',
  'restart-pending',
  'restart-started',
  'restart-done',
  'restart-failed',
  'restart-cancelled',
  'policy-changed',
] as const;
export type HaEventKind = (typeof HA_EVENT_KINDS)[number];

export type HaPolicyDto = {
  enabled: boolean;
  admission: HaAdmissionMode;
  hostFailuresToTolerate: number;
  failoverHostIds: string[];
  edacThreshold: number; // corrected memory errors that make a host degraded (evacuated)
  updatedAt: string | null;
};

export type HaHostDto = {
  hostId: string;
  hostName: string;
  site: string; // restarts stay in the failed host's site
  state: HaHostState;
  reason: string;
  since: string; // ISO: when it entered this state
  leaseAgeMs: number | null; // how long its lease counter has not moved, as its peers see it
  leaseGeneration: number | null;
  observedBy: string | null; // the peer whose view decided the state
  correctedErrors: number | null;
  failoverHost: boolean;
  protectedVmCount: number;
  memoryTotalMiB: number;
  memoryUsedMiB: number; // by VMs that should run there
};

export type HaRestartDto = {
  id: string;
  vmId: string;
  vmName: string;
  fromHostId: string;
  fromHostName: string;
  targetHostId: string | null;
  targetHostName: string | null;
  state: HaRestartState;
  reason: string; // why pending, or why it failed
  manual: boolean;
  requestedBy: string | null;
  priority: HaPriority;
  taskId: string | null;
  attempts: number;
  // The timeline of one restart; ms are from the failure (last lease renewal seen) where known.
  failedAt: string | null; // the old host's last renewal, as its peers saw it
  detectedAt: string; // lease expiry declared
  decidedAt: string | null; // target chosen, start sent
  qemuUpAt: string | null;
  guestReadyAt: string | null;
};

export type HaEventDto = {
  id: string;
  at: string;
  kind: HaEventKind;
  hostId: string | null;
  hostName: string | null;
  vmId: string | null;
  vmName: string | null;
  message: string;
};

// GET /api/ha: everything the HA page shows in one read.
export type HaOverviewDto = {
  policy: HaPolicyDto;
  protection: {
    protectedVms: number; // HA on and meant to run
    runningProtected: number;
    spareMemoryMiB: number; // free memory outside the hosts the policy may lose
    requiredMemoryMiB: number; // to restart the HA VMs of the hosts it may lose
    failuresTolerated: number; // how many host failures the cluster can absorb now
    ok: boolean;
    reason: string;
  };
  hosts: HaHostDto[];
  restarts: HaRestartDto[]; // pending and recent
  events: HaEventDto[]; // newest first
};
