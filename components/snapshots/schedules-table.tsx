'use client';
import { useState, type ReactNode } from 'react';
import { usePermission } from '@/components/auth/current-user';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Switch } from '@/components/ui/form-field';
import type { SnapshotScheduleDto } from '@/lib/domain/snapshots/dto';
import { formatDateTime, formatRelativeTime } from '@/lib/format';
import { useDeleteSnapshotSchedule, useSaveSnapshotSchedule } from '@/lib/queries/snapshot-mutations';
import { useVmsById } from '@/lib/queries/use-vms-by-id';
import { ScheduleFormDialog } from './schedule-form-dialog';

function Selector({ s }: { s: SnapshotScheduleDto }) {
  const { vms } = useVmsById(s.selector.vmIds);
  const names = s.selector.vmIds.map((id) => vms.get(id)?.name ?? id);
  return (
    <div className="max-w-60 text-xs">
      {names.length > 0 && (
        <p className="truncate text-slate-700" title={names.join(', ')}>
          {names.join(', ')}
        </p>
      )}
      {s.selector.tags.length > 0 && (
        <p className="flex flex-wrap gap-1">
          {s.selector.tags.map((t) => (
            <span key={t} className="rounded bg-slate-100 px-1.5 py-px font-mono text-[11px] text-slate-600">
              {t}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

function EnabledSwitch({ s }: { s: SnapshotScheduleDto }) {
  const perm = usePermission('snapshot.schedule');
  const save = useSaveSnapshotSchedule(s.id);
  const checked = save.isPending ? Boolean(save.variables?.enabled) : s.enabled;
  const { name, selector, memory, schedule, timezone, keep } = s;
  return (
    <span title={perm.reason ?? (checked ? 'Enabled: runs on schedule' : 'Disabled: does not run')}>
      <Switch
        label={checked ? 'On' : 'Off'}
        checked={checked}
        disabled={!perm.allowed || save.isPending}
        onChange={(enabled) => save.mutate({ name, enabled, selector, memory, schedule, timezone, keep })}
      />
    </span>
  );
}

function ScheduleActions({ s }: { s: SnapshotScheduleDto }) {
  const perm = usePermission('snapshot.schedule');
  const remove = useDeleteSnapshotSchedule();
  const [dialog, setDialog] = useState<'edit' | 'delete' | null>(null);
  const can = { disabled: !perm.allowed, disabledReason: perm.reason };
  return (
    <div className="flex justify-end gap-1.5">
      <Button size="sm" {...can} aria-label={`Edit ${s.name}`} onClick={() => setDialog('edit')}>
        Edit
      </Button>
      <Button
        size="sm"
        variant="ghost"
        {...can}
        aria-label={`Delete ${s.name}`}
        className="text-red-700 hover:bg-red-50 hover:text-red-800"
        onClick={() => setDialog('delete')}
      >
        Delete
      </Button>
      {dialog === 'edit' && <ScheduleFormDialog schedule={s} onClose={() => setDialog(null)} />}
      <ConfirmDialog
        open={dialog === 'delete'}
        onCancel={() => setDialog(null)}
        pending={remove.isPending}
        title={`Delete schedule ${s.name}?`}
        confirmLabel="Delete schedule"
        description="The schedule stops. The snapshots it took stay on each VM until deleted there."
        onConfirm={() => remove.mutate(s.id, { onSettled: () => setDialog(null) })}
      />
    </div>
  );
}

const COLUMNS: Column<SnapshotScheduleDto>[] = [
  {
    id: 'name',
    header: 'Schedule',
    sortValue: (s) => s.name,
    cell: (s) => (
      <div className="text-xs">
        <p className="text-sm font-medium whitespace-nowrap text-slate-900" data-testid="schedule-name">
          {s.name}
        </p>
        <p className="text-slate-500">
          {s.memory ? 'checkpoints with memory' : 'disk snapshots'} · keep {s.keep}
        </p>
      </div>
    ),
  },
  { id: 'vms', header: 'VMs', cell: (s) => <Selector s={s} /> },
  {
    id: 'when',
    header: 'When',
    sortValue: (s) => s.nextRunAt,
    cell: (s) => (
      <div className="max-w-64 text-xs">
        <p className="text-slate-800">
          {s.scheduleText}
          {s.scheduleText.includes(s.timezone) ? '' : ` (${s.timezone})`}
        </p>
        <p className="whitespace-nowrap text-slate-500">
          <span className="font-mono">{s.schedule}</span> ·{' '}
          {!s.enabled ? (
            'disabled'
          ) : s.nextRunAt ? (
            <span title={formatDateTime(s.nextRunAt)}>next {formatRelativeTime(s.nextRunAt)}</span>
          ) : (
            'no next run'
          )}
        </p>
      </div>
    ),
  },
  {
    id: 'last',
    header: 'Last run',
    sortValue: (s) => s.lastRunAt,
    cell: (s) => (
      <span className="text-xs text-slate-600" title={s.lastRunAt ? formatDateTime(s.lastRunAt) : undefined}>
        {s.lastRunAt ? formatRelativeTime(s.lastRunAt) : 'Never run'}
      </span>
    ),
  },
  { id: 'enabled', header: 'Enabled', sortValue: (s) => (s.enabled ? 1 : 0), cell: (s) => <EnabledSwitch s={s} /> },
  {
    id: 'actions',
    header: <span className="sr-only">Actions</span>,
    align: 'right',
    cell: (s) => <ScheduleActions s={s} />,
  },
];

export function SchedulesTable({ schedules, empty }: { schedules: SnapshotScheduleDto[]; empty: ReactNode }) {
  return (
    <DataTable
      label="Snapshot schedules"
      rows={schedules}
      columns={COLUMNS}
      rowKey={(s) => s.id}
      initialSort={{ id: 'name', desc: false }}
      searchText={(s) => `${s.name} ${s.selector.tags.join(' ')}`}
      searchPlaceholder="Filter schedules…"
      empty={empty}
    />
  );
}
