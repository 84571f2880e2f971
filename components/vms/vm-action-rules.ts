// Which VM controls make sense in which power state. Pure, so it is unit-tested and the page, the
// tooltips and any future bulk action agree. The server still has the last word (409).
import type { VmAction, VmDto, VmState } from '@/lib/domain/vms/dto';

export type VmControl = VmAction | 'delete';

export const VM_CONTROL_STATES: Record<VmControl, readonly VmState[]> = {
  start: ['stopped', 'crashed'],
  stop: ['running'],
  'force-stop': ['running', 'paused', 'starting', 'stopping'],
  restart: ['running'],
  delete: ['stopped', 'crashed', 'error', 'running', 'paused'],
};

export const VM_CONTROL_LABELS: Record<VmControl, string> = {
  start: 'Start',
  stop: 'Stop',
  'force-stop': 'Force stop',
  restart: 'Restart',
  delete: 'Delete',
};

/** enabled, or the reason (for a tooltip) why not. */
export function vmControlState(
  vm: Pick<VmDto, 'state' | 'activeTaskId'> & Partial<Pick<VmDto, 'role' | 'drState'>>,
  control: VmControl,
): { enabled: boolean; reason: string | null } {
  // Disaster recovery: the server refuses these starts (409); the button says why first.
  if (control === 'start' && vm.role === 'replica')
    return { enabled: false, reason: 'A replica starts only by failover (Disaster recovery page)' };
  if (control === 'start' && vm.drState === 'failed-over')
    return { enabled: false, reason: 'It failed over: its replica on the other site is the VM now' };
  if (control === 'delete' && vm.role === 'replica')
    return { enabled: false, reason: 'A replica goes with its replication job (Disaster recovery page: Remove job)' };
  // A stuck graceful stop may be overridden by force stop; everything else waits for the task.
  const overridesTask = control === 'force-stop' && vm.state === 'stopping';
  if (vm.activeTaskId && !overridesTask) return { enabled: false, reason: 'Wait for the current task to finish' };
  if (!VM_CONTROL_STATES[control].includes(vm.state)) {
    return { enabled: false, reason: `Not possible while the VM is ${vm.state}` };
  }
  return { enabled: true, reason: null };
}
