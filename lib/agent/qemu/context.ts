// What the QEMU driver shares with the agent's QEMU-only features (backups, restores, migration):
// the binaries, the VM registry (specs + live QMP sessions: QEMU serves one QMP client at a time,
// so every QMP command must go through a session from here) and the per-VM lock that keeps
// start/undefine/backup/migrate of one VM from interleaving.
import { notSupported } from '@/lib/errors';
import type { Driver, VmSpec } from '../driver/types';
import type { VmRegistry } from './vm-registry';

export type QemuContext = {
  hostName: string; // this agent (VmSpec.owner of its VMs)
  binary: string;
  qemuImg: string;
  vms: VmRegistry;
  pools: { name: string; kind: 'local' | 'shared'; path: string }[];
  accelerator: 'kvm' | 'tcg';
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  log: (msg: string) => void;
  // Called before any QEMU starts (start, incoming migration, restore); throws to refuse. HA
  // installs its own (lib/agent/ha: no shared-pool VM starts without a valid lease); none by default.
  startGuard: (spec: VmSpec) => Promise<void>;
};

// The simulated driver has no QEMU: features that need real block jobs answer 501, clearly.
export function requireQemu(driver: Driver, what: string): QemuContext {
  if (!driver.qemu) throw notSupported(what, `the ${driver.kind} driver has no QEMU on this host`);
  return driver.qemu;
}
