import type { PoolInfo } from '@/lib/agent-protocol/core';
import type { HaHostState } from '@/lib/domain/ha/dto';

export const HOST_STATUS = { online: 'online', offline: 'offline', maintenance: 'maintenance' } as const;
export type HostStatus = (typeof HOST_STATUS)[keyof typeof HOST_STATUS];

export type HostDto = {
  id: string;
  name: string;
  status: HostStatus;
  agentUrl: string;
  lastHeartbeat: string | null; // ISO
  driver: 'qemu' | 'simulated';
  agentVersion: string;
  qemuVersion: string | null;
  accelerator: 'kvm' | 'tcg' | 'none';
  acceleratorReason: string;
  cpuCount: number;
  cpuModel: string;
  cpuPct: number;
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  freeMemoryBytes: number; // what placement would still give a new VM (see vms/placement.ts)
  vmCount: number;
  runningVmCount: number;
  pools: (PoolInfo & { updatedAt: string })[];
  // Maintenance is separate from status (online/offline = reachability): a host in maintenance
  // takes no new VMs; evacuatedVmIds are the VMs moved off on entry (offered back on exit).
  maintenance: boolean;
  maintenanceSince: string | null; // ISO
  evacuatedVmIds: string[];
  // The HA manager's verdict (lease-based; null before its first tick): a host whose lease expired
  // is failed even while its last heartbeat is still recent.
  ha: { state: HaHostState; reason: string } | null;
  // Disaster recovery: the site the agent reports (hosts of one site share storage; replication
  // goes to a host of another site).
  site: string;
};

// GET /api/hosts/summary: the whole fleet in a few numbers, for the top bar and the overview
// (the host list itself pages).
export type HostSummaryDto = {
  hosts: number;
  online: number; // heartbeats arrive
  up: number; // online and not judged failed or fenced by HA
  maintenance: number;
  cpuCount: number; // all hosts
  onlineCpuPctAvg: number;
  onlineMemoryUsedBytes: number;
  onlineMemoryTotalBytes: number;
  vmCount: number;
  runningVmCount: number;
  simulated: { count: number; names: string[] }; // names: the first few, A to Z
  sites: string[]; // A to Z
};
