// One colour per kind of point, shared by the VM timeline, the cluster chart, the legends and the
// badges (backups keep the colours of the restore point timeline).
import { KIND_STYLE } from '@/components/charts/restore-point-timeline';
import type { PointStatsKind, SnapshotDto, TimelinePointKind } from '@/lib/domain/snapshots/dto';
import { cx } from '@/lib/cx';

export const TIMELINE_KINDS: Record<TimelinePointKind, { label: string; color: string }> = {
  'backup-full': { label: 'Full backup', color: KIND_STYLE.full.color },
  'backup-incremental': { label: 'Incremental backup', color: KIND_STYLE.incremental.color },
  snapshot: { label: 'Snapshot', color: '#14b8a6' },
  checkpoint: { label: 'Checkpoint with memory', color: '#8b5cf6' },
  'group-checkpoint': { label: 'Group checkpoint', color: '#ec4899' },
};

export const STATS_KINDS: Record<PointStatsKind, { label: string; color: string }> = {
  backup: { label: 'Backups', color: KIND_STYLE.full.color },
  snapshot: { label: 'Snapshots', color: TIMELINE_KINDS.snapshot.color },
  checkpoint: { label: 'Checkpoints with memory', color: TIMELINE_KINDS.checkpoint.color },
  'group-checkpoint': { label: 'Group checkpoints', color: TIMELINE_KINDS['group-checkpoint'].color },
};

/** Swatches and names of the kinds shown. */
export function KindLegend({ kinds, label }: { kinds: { label: string; color: string }[]; label: string }) {
  return (
    <ul aria-label={label} className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
      {kinds.map((k) => (
        <li key={k.label} className="inline-flex items-center gap-1.5">
          <svg width="10" height="10" aria-hidden="true">
            <circle cx="5" cy="5" r="5" fill={k.color} />
          </svg>
          {k.label}
        </li>
      ))}
    </ul>
  );
}

const BADGE = {
  snapshot: 'bg-teal-50 text-teal-800 ring-teal-600/25',
  checkpoint: 'bg-violet-50 text-violet-700 ring-violet-600/20',
  group: 'bg-pink-50 text-pink-700 ring-pink-600/20',
} as const;

function KindBadge({ tone, children, title }: { tone: keyof typeof BADGE; children: string; title?: string }) {
  return (
    <span
      title={title}
      data-testid="point-kind"
      className={cx(
        'inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset',
        BADGE[tone],
      )}
    >
      {children}
    </span>
  );
}

/** Snapshot / Checkpoint with memory, plus Group when it was taken with other VMs at one instant. */
export function SnapshotKindBadges({ snapshot: s }: { snapshot: Pick<SnapshotDto, 'kind' | 'groupId' | 'groupName'> }) {
  return (
    <>
      {s.kind === 'checkpoint' ? (
        <KindBadge tone="checkpoint">Checkpoint with memory</KindBadge>
      ) : (
        <KindBadge tone="snapshot">Snapshot</KindBadge>
      )}
      {s.groupId && (
        <KindBadge tone="group" title={`Taken with the other VMs of group checkpoint ${s.groupName ?? s.groupId}`}>
          Group
        </KindBadge>
      )}
    </>
  );
}
