// Which QEMU processes fencing must kill, and the kill itself: every live QEMU of a SHARED-pool
// VM on this host (HA on or not: a manual failover may restart any of them elsewhere), pids from
// memory only (the registry's sessions and the pids liveRun last saw), signalled with SIGKILL: no
// QMP, no shared-storage access, nothing that can hang. /proc (local) still proves each pid is
// that VM's QEMU, so a recycled pid is never killed.
import type { QemuContext } from '../qemu/context';
import { isQemuFor } from '../qemu/process';
import type { GuardedVm } from './watchdog-wire';

export const FENCED_REASON = 'vmops-fenced'; // the exit verdict of a fenced VM: crashed, this reason

// From memory only (cheap enough for every 100 ms tick); a pid that has exited meanwhile is
// harmless here: whoever kills checks /proc first.
export function sharedPoolVms(qemu: QemuContext | null, sharedPools: Set<string>): GuardedVm[] {
  if (!qemu) return [];
  const { vms } = qemu;
  const out: GuardedVm[] = [];
  for (const id of new Set([...vms.sessions.keys(), ...vms.pids.keys()])) {
    const spec = vms.specs.get(id);
    const s = vms.sessions.get(id);
    const pid = s && !s.isGone ? s.pid : vms.pids.get(id);
    if (spec && sharedPools.has(spec.pool) && pid !== undefined) out.push({ id, pid });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

// Returns every shared-pool VM this agent believed running (its QEMU may have just been killed by
// the watchdog, or be dying), killing those still alive.
export function killSharedPoolVms(qemu: QemuContext | null, sharedPools: Set<string>): string[] {
  const victims = sharedPoolVms(qemu, sharedPools);
  for (const v of victims.filter((x) => isQemuFor(x.pid, x.id))) {
    const s = qemu?.vms.sessions.get(v.id);
    if (s) s.shutdownReason = FENCED_REASON;
    try {
      process.kill(v.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return victims.map((v) => v.id);
}
