import 'server-only';
import { db } from '@/lib/db/client';
import type { RestorePointVmSpec } from '@/lib/domain/backups/dto';
import { noSuchObject } from '@/lib/errors';

export type PointForRestore = Awaited<ReturnType<typeof pointForRestore>>;

// A restore point with what a restore needs: its VM spec parsed, and which host can read its
// file (null: any host, the repository is shared; a host repository or a safety file in a VM
// directory can only be read where it lies).
export async function pointForRestore(pointId: string) {
  const point = await db().restorePoint.findUnique({ where: { id: pointId } });
  if (!point) throw noSuchObject('restore point', pointId);
  const repo = point.repositoryId
    ? await db().backupRepository.findUnique({ where: { id: point.repositoryId } })
    : null;
  const readableOnlyOn = !point.repositoryId ? point.hostId : repo?.kind === 'host' ? repo.hostId : null;
  return { point, spec: parseVmSpec(point.vmSpec), readableOnlyOn };
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
