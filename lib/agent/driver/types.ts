// The hypervisor driver seam: the agent's HTTP layer talks only to this interface. The real
// implementation drives QEMU (lib/agent/qemu); the simulated one keeps the dashboard usable on a
// laptop without QEMU and labels itself everywhere.
import type { QemuContext } from '../qemu/context';
import type { ConsoleTail } from '../qemu/vm-files';
import type { Accelerator, DriverKind, VmRuntime } from '@/lib/agent-protocol/core';

export type VmSpec = {
  id: string;
  name: string;
  vcpus: number;
  memoryMiB: number;
  pool: string;
  vmDir: string; // <pool>/vms/<id>
  diskPath: string; // <vmDir>/disk0.qcow2
  boot: { kernelPath?: string; initrdPath?: string; append?: string };
  // Instant recovery: reads of the backing chain are copied into disk0 (copy-on-read filter).
  copyOnRead?: boolean;
  // The agent (host name) that runs this VM. A VM in a shared pool is visible to every host's
  // agent: the others leave it alone. Absent in specs written before live migration.
  owner?: string;
  // A linked clone: its disk chain sits on that VM's point layer (lib/agent/snapshots); removed
  // once the clone is made independent.
  linkedTo?: { vmId: string; pointId: string };
  // A DR replica (lib/agent/replication): start refused until a failover removes the mark.
  replicaOf?: { sourceVmId: string; jobId: string };
  // A DR test copy: its disk sits on that replica's point layer; its delete updates replica.json.
  drTestOf?: { replicaId: string; pointId: string };
};

export type DriverInfo = {
  kind: DriverKind;
  qemuVersion: string | null;
  accelerator: Accelerator;
  acceleratorReason: string;
};

export type VmStats = {
  cpuTimeMs: number; // cumulative user+system time of the VM process
  rssBytes: number;
  diskRdBytes: number;
  diskWrBytes: number;
  diskRdOps: number;
  diskWrOps: number;
};

export type DiskInfo = {
  virtualSizeBytes: number;
  actualSizeBytes: number;
  backingPath: string | null;
  format: string;
};

export interface Driver {
  readonly kind: DriverKind;
  // Only the real driver: backups, restores and migration use QEMU directly (requireQemu).
  readonly qemu?: QemuContext;
  info(): Promise<DriverInfo>;

  // Disks (qemu-img). createOverlay makes a copy-on-write qcow2 on top of a read-only base.
  createOverlay(diskPath: string, basePath: string, sizeBytes: number): Promise<void>;
  diskInfo(path: string): Promise<DiskInfo>;
  // Converts any format qemu-img reads into a standalone qcow2 (image import).
  convertToQcow2(src: string, dest: string, onProgress?: (fraction: number) => void): Promise<void>;

  // VM lifecycle. spec is persisted in <vmDir>/vm.json by the driver so a restarted agent can
  // re-attach. start resolves once QEMU reports 'running'.
  defineVm(spec: VmSpec): Promise<void>;
  startVm(id: string): Promise<VmRuntime>;
  // Graceful: ACPI powerdown, waits up to timeoutSec, then fails with a coded error (no silent kill).
  shutdownVm(id: string, timeoutSec: number): Promise<void>;
  killVm(id: string): Promise<void>;
  resetVm(id: string): Promise<void>;
  undefineVm(id: string): Promise<void>; // VM must be off; removes its directory and disks
  getVm(id: string): Promise<VmRuntime | null>;
  listVms(): Promise<VmRuntime[]>;
  vmStats(id: string): Promise<VmStats | null>;

  // Serial console: log tail and one line of input (the test guest answers commands).
  consoleTail(id: string, lines: number): Promise<ConsoleTail>;
  sendSerial(id: string, line: string): Promise<void>;

  // Calls listener when a VM starts, stops, pauses, resumes, resets or its guest turns ready, so
  // the agent tells the dashboard at once instead of at its next heartbeat. Returns unsubscribe.
  subscribe(listener: (vmId: string) => void): () => void;

  // Re-attaches to QEMU processes that outlived a previous agent (QMP sockets under the pools).
  reattach(): Promise<void>;
  close(): Promise<void>; // disconnects, leaves QEMU running
}

export type { Accelerator };
