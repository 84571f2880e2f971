import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { PointManifest } from '@/lib/agent-protocol/backup';
import type { RestorePoint } from '@/lib/generated/prisma/client';

type Row = Pick<
  RestorePoint,
  'id' | 'vmId' | 'kind' | 'sha256' | 'sizeBytes' | 'virtualSizeBytes' | 'takenAt' | 'vmSpec'
>;

// Where a point's repository manifest disagrees with its row (verify): a repository read without
// the database must describe the same chain, checksums and VM. Safety points have no manifest.
export function manifestMismatches(
  point: Row,
  parent: Pick<RestorePoint, 'filePath'> | null,
  m: PointManifest | null,
  readError: string | null,
): string[] {
  if (point.kind === 'safety') return [];
  if (readError) return [`manifest unreadable: ${readError}`];
  if (!m) return ['manifest is missing'];
  const want = {
    pointId: point.id,
    vmId: point.vmId,
    kind: point.kind,
    parent: parent && path.basename(parent.filePath),
    sha256: point.sha256,
    sizeBytes: Number(point.sizeBytes),
    virtualSizeBytes: Number(point.virtualSizeBytes),
    takenAt: point.takenAt.toISOString(),
  };
  const bad = (Object.keys(want) as (keyof typeof want)[])
    .filter((k) => m[k] !== want[k])
    .map((k) => `manifest ${k} ${JSON.stringify(m[k])} differs from the registered ${JSON.stringify(want[k])}`);
  // Through JSON both sides: an absent optional boot field and an undefined one are the same.
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(m.vmSpec)), JSON.parse(point.vmSpec)))
    bad.push('manifest vmSpec differs from the registered one');
  return bad;
}
