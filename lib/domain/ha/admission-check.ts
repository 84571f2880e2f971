import 'server-only';
import { haAdmission } from '@/lib/errors';
import { admit, type AdmissionChange } from './admission';
import { getHaPolicy } from './policy';
import { admissionHosts } from './queries';

// The one call each admission hook makes (VM create / start, migrate, restore as a new VM,
// enabling HA): 409 HA_ADMISSION with the numbers when the action would leave too little spare
// memory for the host failures the policy tolerates. HA restarts themselves are never refused.
export async function requireHaAdmission(what: string, changes: AdmissionChange[]): Promise<void> {
  const policy = await getHaPolicy();
  if (!policy.enabled || policy.admission !== 'tolerate' || !changes.length) return;
  const verdict = admit(await admissionHosts(), policy, changes);
  if (!verdict.ok) throw haAdmission(what, verdict.requiredMiB, verdict.spareMiB, verdict.tolerate);
}

// A VM starting on a host (created, started, restored): its memory is taken there, and it adds
// HA memory when it has HA on.
export const startingOn = (hostId: string, vm: { memoryMiB: number; haEnabled: boolean }): AdmissionChange[] => [
  { hostId, usedMiB: vm.memoryMiB, haMiB: vm.haEnabled ? vm.memoryMiB : 0 },
];

// A running VM moving from its host to another.
export const movingTo = (
  targetHostId: string,
  vm: { hostId: string; memoryMiB: number; haEnabled: boolean },
): AdmissionChange[] => {
  const ha = vm.haEnabled ? vm.memoryMiB : 0;
  return [
    { hostId: vm.hostId, usedMiB: -vm.memoryMiB, haMiB: -ha },
    { hostId: targetHostId, usedMiB: vm.memoryMiB, haMiB: ha },
  ];
};
