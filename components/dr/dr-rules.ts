// What the DR page derives from the overview: which VMs may be protected and to which hosts, and
// why a job's buttons are off. Pure, so it is unit-tested; the server has the last word (409).
import type { DrJobDto, DrOverviewDto, DrSiteHostDto } from '@/lib/domain/dr/dto';
import type { VmDto } from '@/lib/domain/vms/dto';

export type TargetChoice = DrSiteHostDto & { site: string; unfitReason: string | null };

/**
 * Why a VM may not be protected (its option in the VM picker says so), or null: a replica, a test
 * copy, a VM that failed over, or one protected already.
 */
export function unprotectableReason(
  overview: Pick<DrOverviewDto, 'jobs'>,
  vm: Pick<VmDto, 'id' | 'role' | 'drState'>,
): string | null {
  if (vm.role === 'replica') return 'A replica: protect the VM it copies';
  if (vm.role === 'dr-test') return 'A DR test copy';
  if (vm.drState) return 'Failed over: its replica is the VM now';
  if (overview.jobs.some((j) => j.vm.id === vm.id)) return 'Protected already';
  return null;
}

/**
 * The Protect dialog's targets for the chosen VM (none until a VM that may be protected is chosen):
 * the hosts of every OTHER site, each with the reason it cannot take a replica (offline,
 * simulated), or null.
 */
export function protectChoices(
  overview: Pick<DrOverviewDto, 'sites' | 'jobs'>,
  vm: VmDto | null,
): { vmSite: string | undefined; targets: TargetChoice[]; siteOf: ReadonlyMap<string, string> } {
  const siteOf = new Map(overview.sites.flatMap((s) => s.hosts.map((h) => [h.id, s.name] as const)));
  const vmSite = vm ? siteOf.get(vm.hostId) : undefined;
  const targets =
    !vm || unprotectableReason(overview, vm)
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
  return { vmSite, targets, siteOf };
}

/**
 * Why a job's DR actions are off, or null: a failover already happened, or a DR task of the job
 * (a replication run too: the service takes one at a time) is queued or running. runsYield (failover,
 * test failover, the switch back): a replication run does not block them, their task waits for it
 * (or cancels a queued one).
 */
export function jobBusyReason(
  job: Pick<DrJobDto, 'state' | 'running' | 'activeTaskId' | 'activeTaskKind' | 'vm' | 'replica'>,
  { runsYield = false } = {},
): string | null {
  if (job.state === 'failed-over') return `${job.vm.name} failed over to ${job.replica.name}: replication stopped`;
  if (job.activeTaskId && job.activeTaskKind !== 'replication.run') return 'A DR task of this VM is under way';
  if (!job.running && !job.activeTaskId) return null;
  return runsYield ? null : 'A replication run is queued or in progress: wait for it to finish';
}

/**
 * The data the last run moved: a forward run's point layer (the clusters it wrote; the run's
 * bytesSent is the range it covered, the whole disk for a full copy), a reverse run's bytes sent
 * and pulled. null: unknown (the point was merged away since, or the run did not succeed).
 */
export function lastRunDataBytes(job: Pick<DrJobDto, 'lastRun' | 'points'>): number | null {
  const run = job.lastRun;
  if (!run || run.status !== 'succeeded') return null;
  if (run.direction === 'reverse') return run.bytesSent + run.bytesPulled;
  return job.points.find((p) => p.id === run.pointId)?.layerBytes ?? null;
}
