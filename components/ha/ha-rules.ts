// What the HA page derives from the overview: a restart's timeline, which VMs can be restarted by
// hand and where. Pure, so it is unit-tested and the page's parts agree; the server has the last word.
import type { HaHostDto, HaRestartDto } from '@/lib/domain/ha/dto';
import type { HostDto } from '@/lib/domain/hosts/dto';
import type { VmDto } from '@/lib/domain/vms/dto';

export type RestartStep = {
  key: 'failedAt' | 'detectedAt' | 'decidedAt' | 'qemuUpAt' | 'guestReadyAt';
  label: string;
  at: string | null;
  sincePreviousMs: number | null; // from the last earlier step that has a time
  sinceFailureMs: number | null;
};

const STEPS: [RestartStep['key'], string][] = [
  ['failedAt', 'Failure'],
  ['detectedAt', 'Detected'],
  ['decidedAt', 'Decision'],
  ['qemuUpAt', 'QEMU up'],
  ['guestReadyAt', 'Guest ready'],
];

/** failure -> detection -> decision -> QEMU up -> guest ready, with the time between known steps. */
export function restartSteps(r: Pick<HaRestartDto, RestartStep['key']>): RestartStep[] {
  const failure = r.failedAt ? Date.parse(r.failedAt) : null;
  let previous: number | null = null;
  return STEPS.map(([key, label]) => {
    const at = r[key];
    const ms = at ? Date.parse(at) : null;
    const step: RestartStep = {
      key,
      label,
      at,
      sincePreviousMs: ms !== null && previous !== null ? ms - previous : null,
      sinceFailureMs: ms !== null && failure !== null ? ms - failure : null,
    };
    if (ms !== null) previous = ms;
    return step;
  });
}

/** The whole outage of one VM as far as it is known: failure (else detection) to guest ready (else QEMU up). */
export function restartOutageMs(r: Pick<HaRestartDto, RestartStep['key']>): number | null {
  const from = r.failedAt ?? r.detectedAt;
  const to = r.guestReadyAt ?? r.qemuUpAt;
  return to ? Date.parse(to) - Date.parse(from) : null;
}

/** When the restart last moved on (its latest known step): restarts of one failure share their detection time. */
export function restartLastStepMs(r: Pick<HaRestartDto, RestartStep['key']>): number {
  return Math.max(...STEPS.map(([key]) => (r[key] ? Date.parse(r[key]) : 0)));
}

const GONE_STATES = new Set<VmDto['state']>(['stopped', 'deleting', 'provisioning']);

/** Whether the VM's disk is on storage every host reaches (only such a VM can run elsewhere). */
export function onSharedStorage(
  vm: Pick<VmDto, 'pool' | 'hostId'>,
  hosts: readonly Pick<HostDto, 'id' | 'pools'>[] | undefined,
): boolean {
  if (vm.pool === 'shared') return true;
  const pool = hosts?.find((h) => h.id === vm.hostId)?.pools.find((p) => p.name === vm.pool);
  return pool?.kind === 'shared';
}

export type FailoverCandidate = {
  vm: VmDto;
  fromHost: HaHostDto;
  restart: HaRestartDto | null; // its pending or running restart, if any
  disabledReason: string | null;
};

/** VMs meant to run on failed hosts: the ones an operator may restart elsewhere by hand. */
export function failoverCandidates(
  vms: readonly VmDto[],
  haHosts: readonly HaHostDto[],
  restarts: readonly HaRestartDto[],
  hosts: readonly Pick<HostDto, 'id' | 'pools'>[] | undefined,
): FailoverCandidate[] {
  const failed = new Map(haHosts.filter((h) => h.state === 'failed').map((h) => [h.hostId, h]));
  const active = new Map(
    restarts.filter((r) => r.state === 'pending' || r.state === 'restarting').map((r) => [r.vmId, r]),
  );
  return vms
    .filter((vm) => failed.has(vm.hostId) && !GONE_STATES.has(vm.state))
    .map((vm) => {
      const restart = active.get(vm.id) ?? null;
      const disabledReason = !onSharedStorage(vm, hosts)
        ? `Its disk is on ${failed.get(vm.hostId)!.hostName}'s local storage: no other host can reach it`
        : restart?.state === 'restarting'
          ? `Being restarted on ${restart.targetHostName ?? 'another host'}`
          : null;
      return { vm, fromHost: failed.get(vm.hostId)!, restart, disabledReason };
    })
    .sort((a, b) => a.vm.name.localeCompare(b.vm.name));
}

type TargetOption = { host: HaHostDto; freeMiB: number; unfitReason: string | null };

/**
 * Hosts a VM may be restarted on: of its host's site, online, out of maintenance, with room; failover hosts first,
 * then most free memory.
 */
export function targetOptions(
  haHosts: readonly HaHostDto[],
  vm: Pick<VmDto, 'hostId' | 'memoryMiB'>,
  inMaintenance: ReadonlySet<string>,
): TargetOption[] {
  const site = haHosts.find((h) => h.hostId === vm.hostId)?.site;
  return haHosts
    .filter((h) => h.hostId !== vm.hostId)
    .map((host) => {
      const freeMiB = Math.max(0, host.memoryTotalMiB - host.memoryUsedMiB);
      const unfitReason =
        site !== undefined && host.site !== site
          ? `site ${host.site}`
          : host.state !== 'online'
            ? host.state
            : inMaintenance.has(host.hostId)
              ? 'in maintenance'
              : freeMiB < vm.memoryMiB
                ? 'not enough free memory'
                : null;
      return { host, freeMiB, unfitReason };
    })
    .sort(
      (a, b) =>
        Number(Boolean(a.unfitReason)) - Number(Boolean(b.unfitReason)) ||
        Number(b.host.failoverHost) - Number(a.host.failoverHost) ||
        b.freeMiB - a.freeMiB,
    );
}
