'use client';
import Link from 'next/link';
import { useState, type ReactNode } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { CheckpointGroupDto } from '@/lib/domain/snapshots/dto';
import { formatDateTime, formatDuration, formatRelativeTime } from '@/lib/format';
import { useDeleteCheckpointGroup, useRestoreCheckpointGroup } from '@/lib/queries/snapshot-mutations';

type Watch = (taskId: string, what: string) => void;

function Members({ g }: { g: CheckpointGroupDto }) {
  return (
    <ul className="flex max-w-96 flex-wrap gap-x-2 gap-y-0.5 text-xs">
      {g.members.map((m) => (
        <li key={m.vmId}>
          <Link href={`/vms/${m.vmId}`} className="font-medium text-accent-700 hover:underline">
            {m.vmName}
          </Link>
          {!m.snapshotId && <span className="text-amber-800"> (point deleted)</span>}
        </li>
      ))}
    </ul>
  );
}

function Pause({ g }: { g: CheckpointGroupDto }) {
  if (g.pauseMs === null) return <span className="text-xs text-slate-500">—</span>;
  const span =
    g.firstStopAt && g.lastResumeAt
      ? `first VM paused ${formatDateTime(g.firstStopAt)}, last resumed ${formatDateTime(g.lastResumeAt)}`
      : undefined;
  return (
    <span className="text-sm text-slate-800 tabular-nums" title={span} data-testid="group-pause">
      {formatDuration(g.pauseMs)}
    </span>
  );
}

function GroupActions({ g, watch }: { g: CheckpointGroupDto; watch: Watch }) {
  const perm = usePermission('snapshot.manage');
  const restore = useRestoreCheckpointGroup();
  const remove = useDeleteCheckpointGroup();
  const [confirm, setConfirm] = useState<'restore' | 'delete' | null>(null);
  const gone = g.members.filter((m) => !m.snapshotId).map((m) => m.vmName);
  const restoreReason = perm.reason ?? (gone.length ? `The point of ${gone.join(', ')} was deleted` : null);
  const when = formatDateTime(g.createdAt);
  const n = g.members.length;
  const restoreText: ReactNode = g.memory
    ? `All ${n} VMs go back to ${when} together: each is paused, gets its disk and memory back, and they resume at one instant, programs running from the checkpoint.`
    : `The disks of all ${n} VMs go back to ${when} (crash-consistent); running VMs are restarted on them and boot.`;
  return (
    <div className="flex justify-end gap-1.5">
      <Button
        size="sm"
        variant="primary"
        aria-label={`Restore ${g.name}`}
        disabled={Boolean(restoreReason)}
        disabledReason={restoreReason}
        onClick={() => setConfirm('restore')}
      >
        Restore
      </Button>
      <Button
        size="sm"
        variant="ghost"
        aria-label={`Delete ${g.name}`}
        disabled={!perm.allowed}
        disabledReason={perm.reason}
        className="text-red-700 hover:bg-red-50 hover:text-red-800"
        onClick={() => setConfirm('delete')}
      >
        Delete
      </Button>
      {confirm === 'restore' && (
        <ConfirmDialog
          open
          tone="danger"
          pending={restore.isPending}
          onCancel={() => setConfirm(null)}
          title={`Restore group “${g.name}”?`}
          confirmLabel={`Restore ${n} VMs`}
          description={<p>{restoreText} Everything written since on these VMs is discarded.</p>}
          onConfirm={() =>
            restore.mutate(g.id, {
              onSuccess: ({ taskId }) => watch(taskId, `Restore of group “${g.name}”`),
              onSettled: () => setConfirm(null),
            })
          }
        />
      )}
      {confirm === 'delete' && (
        <ConfirmDialog
          open
          tone="danger"
          pending={remove.isPending}
          onCancel={() => setConfirm(null)}
          title={`Delete group “${g.name}”?`}
          confirmLabel="Delete group"
          description={
            <p>
              The group’s point on each of its {n} VMs is deleted (each layer merged into the next); the VMs keep
              running.
            </p>
          }
          onConfirm={() =>
            remove.mutate(g.id, {
              onSuccess: ({ taskId }) => watch(taskId, `Deletion of group “${g.name}”`),
              onSettled: () => setConfirm(null),
            })
          }
        />
      )}
    </div>
  );
}

export function GroupsTable({
  groups,
  empty,
  watch,
}: {
  groups: CheckpointGroupDto[];
  empty: ReactNode;
  watch: Watch;
}) {
  const columns: Column<CheckpointGroupDto>[] = [
    {
      id: 'name',
      header: 'Group checkpoint',
      sortValue: (g) => g.name,
      cell: (g) => (
        <div className="text-xs">
          <p className="text-sm font-medium text-slate-900" data-testid="group-name">
            {g.name}
          </p>
          <p className="text-slate-500">{g.memory ? 'with memory' : 'crash-consistent (disks only)'}</p>
        </div>
      ),
    },
    { id: 'members', header: 'Members', sortValue: (g) => g.members.length, cell: (g) => <Members g={g} /> },
    { id: 'pause', header: 'Group pause', align: 'right', sortValue: (g) => g.pauseMs, cell: (g) => <Pause g={g} /> },
    {
      id: 'created',
      header: 'Taken',
      sortValue: (g) => g.createdAt,
      cell: (g) => (
        <span className="text-xs whitespace-nowrap text-slate-600" title={formatDateTime(g.createdAt)}>
          {formatRelativeTime(g.createdAt)}
          {g.createdBy && ` by ${g.createdBy}`}
        </span>
      ),
    },
    {
      id: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      cell: (g) => <GroupActions g={g} watch={watch} />,
    },
  ];
  return (
    <DataTable
      label="Group checkpoints"
      rows={groups}
      columns={columns}
      rowKey={(g) => g.id}
      initialSort={{ id: 'created', desc: true }}
      searchText={(g) => `${g.name} ${g.members.map((m) => m.vmName).join(' ')}`}
      searchPlaceholder="Filter by name or VM…"
      empty={empty}
    />
  );
}
