import type { RestorePointDto } from '@/lib/domain/backups/dto';
import { formatDateTime } from '@/lib/format';

/** What deleting `point` does to its chain, in words: the server does the same (planPointDelete). */
export function chainEffect(
  point: RestorePointDto,
  points: RestorePointDto[],
): { dependants: RestorePointDto[]; text: string } {
  if (point.kind === 'safety')
    return { dependants: [], text: 'This safety copy of a disk replaced by a restore is deleted with its file.' };
  const dependants = points.filter((p) => p.parentId === point.id);
  const parent = points.find((p) => p.id === point.parentId);
  const when = (p: RestorePointDto) => formatDateTime(p.takenAt);
  if (dependants.length === 0)
    return {
      dependants,
      text: 'No other point is backed by it: its file is deleted and every other point stays as it is.',
    };
  const names = dependants.map(when).join(', ');
  return {
    dependants,
    text: parent
      ? `The point(s) of ${names} are backed by it: its data is merged into them (rebased onto the point of ${when(parent)}), so every remaining point stays restorable. This rewrites their files and can take a while.`
      : `It is a full backup and the point(s) of ${names} are backed by it: they are flattened into full backups, so every remaining point stays restorable. This rewrites their files and can take a while.`,
  };
}
