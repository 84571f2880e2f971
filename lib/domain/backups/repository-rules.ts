import 'server-only';
import path from 'node:path';
import { overlapReason, systemTreeReason, type Reserved } from '@/lib/agent-protocol/path-rules';
import { db } from '@/lib/db/client';
import { invalidInput } from '@/lib/errors';

// Directories a repository must not overlap, as the database knows them: every host's VM pools,
// the image repository (<shared>/images, above each image's <name>/<version>/ dir) and the other
// repositories. Agents add their data dirs (and their own view of all this) when they check.
export async function reservedDirs(): Promise<Reserved[]> {
  const [pools, images, repos] = await Promise.all([
    db().storagePool.findMany({ select: { name: true, path: true, host: { select: { name: true } } } }),
    db().image.findMany({ where: { diskPath: { not: '' } }, select: { diskPath: true } }),
    db().backupRepository.findMany({ select: { name: true, path: true } }),
  ]);
  const imageRoots = new Set(images.map((i) => path.dirname(path.dirname(path.dirname(i.diskPath)))));
  return [
    ...pools.map((p) => ({ what: `the VM pool ${p.name} of host ${p.host.name}`, path: p.path })),
    ...[...imageRoots].map((root) => ({ what: 'the image repository', path: root })),
    ...repos.map((r) => ({ what: `the backup repository ${r.name}`, path: r.path })),
  ];
}

// 422 on `path` with the reason, for the path as typed (normalised) or as an agent resolved it.
export async function assertRepositoryPlace(typed: string, resolved: string = typed): Promise<void> {
  const reserved = await reservedDirs();
  const reason = (p: string) => systemTreeReason(p) ?? overlapReason(p, reserved);
  let why = reason(typed);
  const late = why || resolved === typed ? null : reason(resolved);
  if (late) why = `${typed} resolves to ${resolved}: ${late}`;
  if (why) throw invalidInput({ path: [why] }, `Cannot use ${typed} as a backup repository: ${why}`);
}
