// What the DR page derives from the overview: which VMs may be protected and to which hosts, and
// why a job's buttons are off. Pure, so it is unit-tested; the server has the last word (409).
import type { DrJobDto, DrOverviewDto, DrSiteHostDto } from '@/lib/domain/dr/dto';
import type { VmDto } from '@/lib/domain/vms/dto';

export type TargetChoice = DrSiteHostDto & { site: string; unfitReason: string | null };

/**
 * The Protect dialog's choices: ordinary VMs not protected yet (not a replica, a test copy or a
 * VM that failed over), and for the chosen one the hosts of every OTHER site, each with the reason
 * it cannot take a replica (offline, simulated), or null.
 */
export function protectChoices(
  overview: Pick<DrOverviewDto, 'sites' | 'jobs'>,
  vms: readonly VmDto[],
  vmId: string,
): { candidates: VmDto[]; vmSite: string | undefined; targets: TargetChoice[]; siteOf: ReadonlyMap<string, string> } {
  const siteOf = new Map(overview.sites.flatMap((s) => s.hosts.map((h) => [h.id, s.name] as const)));
  const protectedIds = new Set(overview.jobs.map((j) => j.vm.id));
  const candidates = vms.filter((v) => v.role === 'vm' && !v.drState && !protectedIds.has(v.id));
  const vm = candidates.find((v) => v.id === vmId);
  const vmSite = vm ? siteOf.get(vm.hostId) : undefined;
  const targets = !vm
    ? []
    : overview.sites
        .filter((s) => s.name !== vmSite)
        .flatMap((s) =>
          s.hosts.map((h) => ({
            ...h,
            site: s.name,
            unfitReason: h.status !== 'online' ? 'offline' : h.driver !== 'qemu' ? 'simulated driver' : null,
          })),
        );
  return { candidates, vmSite, targets, siteOf };
}

/**
 * Why a job's DR actions are off, or null: a failover already happened, or a DR task of the job
 * (a replication run too: the service takes one at a time) is queued or running.
 */
export function jobBusyReason(
  job: Pick<DrJobDto, 'state' | 'running' | 'activeTaskId' | 'vm' | 'replica'>,
): string | null {
  if (job.state === 'failed-over') return `${job.vm.name} failed over to ${job.replica.name}: replication stopped`;
  if (job.running) return 'A replication run is in progress: wait for it to finish';
  if (job.activeTaskId) return 'A DR task of this VM is under way';
  return null;
}
