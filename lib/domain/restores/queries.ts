import 'server-only';
import { db } from '@/lib/db/client';
import type { RestorePointVmSpec } from '@/lib/domain/backups/dto';
import { noSuchObject } from '@/lib/errors';
import { DEFAULT_SITE, type SiteScope } from '@/lib/domain/vms/placement';

export type PointForRestore = Awaited<ReturnType<typeof pointForRestore>>;

// A restore point with what a restore needs: its VM spec parsed, and which host can read its
// file (null: any host, the repository is shared; a host repository or a safety file in a VM
// directory can only be read where it lies), and the site a restore lands in: that host's, or
// (shared repository) the site of the host the VM was backed up on (each site has its own).
export async function pointForRestore(pointId: string) {
  const point = await db().restorePoint.findUnique({ where: { id: pointId } });
  if (!point) throw noSuchObject('restore point', pointId);
  const repo = point.repositoryId
    ? await db().backupRepository.findUnique({ where: { id: point.repositoryId } })
    : null;
  const readableOnlyOn = !point.repositoryId ? point.hostId : repo?.kind === 'host' ? repo.hostId : null;
  const home = await db().host.findUnique({ where: { id: readableOnlyOn ?? point.hostId }, select: { site: true } });
  const site = home?.site ?? DEFAULT_SITE;
  const scope: SiteScope = {
    site,
    why: `Restore point of ${point.vmName} lives in site ${site}${readableOnlyOn ? '' : " (its VM's)"}`,
  };
  return { point, spec: parseVmSpec(point.vmSpec), readableOnlyOn, scope };
}

export function parseVmSpec(json: string): RestorePointVmSpec {
  const s = JSON.parse(json || '{}') as Partial<RestorePointVmSpec>;
  return {
    vcpus: s.vcpus ?? 1,
    memoryMiB: s.memoryMiB ?? 128,
    boot: s.boot ?? {},
    imageId: s.imageId ?? null,
    tags: s.tags ?? [],
  };
}
