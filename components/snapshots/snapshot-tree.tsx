'use client';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { cx } from '@/lib/cx';
import { formatBytes, formatDateTime, formatDuration, formatRelativeTime } from '@/lib/format';
import type { SnapshotDto } from '@/lib/domain/snapshots/dto';
import { SnapshotKindBadges } from './point-kinds';
import type { HereRow, SnapshotRow, TreeRow } from './snapshot-tree-model';

const LINE = 'absolute bg-slate-300';

/** Branch lines of one row: a column per level, the elbow in the last one. */
function Connectors({ row }: { row: TreeRow }) {
  if (row.depth === 0) return null;
  return (
    <span aria-hidden="true" className="flex shrink-0 self-stretch">
      {row.guides.map((on, i) => (
        <span key={i} className="relative w-5">
          {on && <span className={cx(LINE, 'inset-y-0 left-2 w-px')} />}
        </span>
      ))}
      <span className="relative w-5">
        <span className={cx(LINE, 'top-0 left-2 w-px', row.last ? 'h-1/2' : 'bottom-0')} />
        <span className={cx(LINE, 'top-1/2 left-2 h-px w-3')} />
      </span>
    </span>
  );
}

function Sizes({ s }: { s: SnapshotDto }) {
  return (
    <span className="text-slate-600 tabular-nums">
      disk layer {formatBytes(s.layerBytes)}
      {s.kind === 'checkpoint' && <> · memory {formatBytes(s.stateBytes)}</>}
      {s.kind === 'checkpoint' && s.pauseMs !== null && (
        <>
          {' '}
          ·{' '}
          <span title={s.downtimeMs !== null ? `QEMU reported ${formatDuration(s.downtimeMs)} of downtime` : undefined}>
            paused {formatDuration(s.pauseMs)}
          </span>
        </>
      )}
    </span>
  );
}

function SnapshotLine({ row, actions }: { row: SnapshotRow; actions: ReactNode }) {
  const s = row.snapshot;
  return (
    <div className="flex min-w-0 flex-1 flex-wrap items-center gap-x-3 gap-y-1 py-2">
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-2">
          <span className="font-medium text-slate-900" data-testid="snapshot-name">
            {s.name}
          </span>
          <SnapshotKindBadges snapshot={s} />
          {s.scheduleId && <span className="text-xs text-slate-500">scheduled</span>}
        </p>
        <p className="mt-0.5 text-xs text-slate-500">
          <time dateTime={s.createdAt} title={formatDateTime(s.createdAt)}>
            {formatRelativeTime(s.createdAt)}
          </time>
          {' · '}
          <Sizes s={s} />
          {s.groupName && s.groupName !== s.name && <> · group {s.groupName}</>}
          {s.createdBy && <> · by {s.createdBy}</>}
        </p>
        {s.description && <p className="mt-0.5 text-xs text-slate-600">{s.description}</p>}
        {s.clones.length > 0 && (
          <p className="mt-0.5 text-xs text-slate-600" data-testid="snapshot-clones">
            Linked clone{s.clones.length === 1 ? '' : 's'}:{' '}
            {s.clones.map((c, i) => (
              <span key={c.vmId}>
                {i > 0 && ', '}
                <Link href={`/vms/${c.vmId}`} className="font-medium text-accent-700 hover:underline">
                  {c.vmName}
                </Link>
              </span>
            ))}
          </p>
        )}
      </div>
      <div className="flex shrink-0 items-center gap-1">{actions}</div>
    </div>
  );
}

function HereLine({ row, vmName, vmState }: { row: HereRow; vmName: string; vmState: string }) {
  return (
    <div className="flex items-center gap-2 py-2" data-testid="you-are-here" data-depth={row.depth}>
      <span className="inline-flex items-center gap-1.5 rounded-full bg-accent-600 px-2.5 py-0.5 text-xs font-semibold text-white">
        <svg width="8" height="8" aria-hidden="true">
          <circle cx="4" cy="4" r="4" fill="currentColor" />
        </svg>
        You are here
      </span>
      <span className="text-xs text-slate-600">
        {vmName} now ({vmState})
        {row.depth === 0
          ? ': on no snapshot’s chain (its disk was replaced)'
          : ': what changed since the point above is in no snapshot yet'}
      </span>
    </div>
  );
}

/** The snapshot tree: indentation by parent, branch lines, "You are here" where the VM is now. */
export function SnapshotTree({
  rows,
  vmName,
  vmState,
  actions,
}: {
  rows: TreeRow[];
  vmName: string;
  vmState: string;
  actions: (row: SnapshotRow) => ReactNode;
}) {
  return (
    <ul aria-label="Snapshot tree" data-testid="snapshot-tree" className="divide-y divide-slate-100">
      {rows.map((row) => (
        <li
          key={row.type === 'here' ? 'here' : row.snapshot.id}
          className="flex items-stretch gap-2 px-4"
          data-testid={row.type === 'here' ? undefined : 'snapshot-row'}
          data-snapshot-id={row.type === 'here' ? undefined : row.snapshot.id}
          data-depth={row.depth}
          data-current={row.type === 'snapshot' && row.current ? 'true' : undefined}
        >
          <Connectors row={row} />
          {row.type === 'here' ? (
            <HereLine row={row} vmName={vmName} vmState={vmState} />
          ) : (
            <SnapshotLine row={row} actions={actions(row)} />
          )}
        </li>
      ))}
    </ul>
  );
}
