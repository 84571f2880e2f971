'use client';
import { useState, type FormEvent } from 'react';
import { CronFields } from '@/components/backups/cron-fields';
import { SchedulePreview, useJobPreview } from '@/components/backups/job-preview';
import { VmSelectorField } from '@/components/backups/vm-selector-field';
import { Switch, TextField } from '@/components/ui/form-field';
import type { VmSelector } from '@/lib/domain/backups/dto';
import type { SnapshotScheduleDto } from '@/lib/domain/snapshots/dto';
import { scheduleSchema } from '@/lib/domain/snapshots/schemas';
import { numberInput } from '@/lib/forms/number-input';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { useSaveSnapshotSchedule } from '@/lib/queries/snapshot-mutations';

type Values = {
  name: string;
  enabled: boolean;
  selector: VmSelector;
  memory: boolean;
  schedule: string;
  timezone: string;
  keep: string;
};

function initialValues(s: SnapshotScheduleDto | undefined): Values {
  return {
    name: s?.name ?? '',
    enabled: s?.enabled ?? true,
    selector: s?.selector ?? { vmIds: [], tags: [] },
    memory: s?.memory ?? false,
    schedule: s?.schedule ?? '0 * * * *',
    timezone: s?.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'),
    keep: String(s?.keep ?? 24),
  };
}

/**
 * Create or edit a snapshot schedule, like a backup job: which VMs (by name or tag), when (cron in words), how many to
 * keep.
 */
export function ScheduleForm({
  id,
  schedule,
  onSaved,
  onPending,
}: {
  id: string;
  schedule?: SnapshotScheduleDto;
  onSaved: (s: SnapshotScheduleDto) => void;
  onPending: (pending: boolean) => void;
}) {
  const save = useSaveSnapshotSchedule(schedule?.id);
  const form = useSchemaForm(scheduleSchema);
  const [v, setV] = useState<Values>(() => initialValues(schedule));
  // The backup jobs' preview reads the cron in words and lists the next runs; keep N stands in for its retention.
  const keep = Math.max(1, Math.floor(Number(v.keep) || 1));
  const preview = useJobPreview({
    schedule: v.schedule,
    timezone: v.timezone,
    retention: { keepLast: keep, daily: 0, weekly: 0, monthly: 0, yearly: 0 },
  });
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setV((p) => ({ ...p, [key]: value }));
    form.clearError(key);
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({ ...v, keep: numberInput(v.keep) });
    if (!input) return;
    onPending(true);
    save.mutate(input, {
      onSuccess: onSaved,
      onError: (err) => form.applyServerError(err),
      onSettled: () => onPending(false),
    });
  }

  return (
    <form id={id} onSubmit={onSubmit} noValidate className="grid grid-cols-2 gap-x-4 gap-y-3.5">
      {form.errors._form && (
        <p role="alert" className="col-span-2 text-sm text-red-700">
          {form.errors._form}
        </p>
      )}
      <TextField
        label="Schedule name"
        name="name"
        value={v.name}
        error={form.errors.name}
        autoFocus
        autoComplete="off"
        placeholder="hourly-web"
        onChange={(e) => set('name', e.target.value)}
      />
      <TextField
        label="Keep"
        type="number"
        min={1}
        max={100}
        name="keep"
        value={v.keep}
        error={form.errors.keep}
        hint="Newest snapshots of this schedule kept per VM; older ones are deleted (merged)"
        onChange={(e) => set('keep', e.target.value)}
      />
      <VmSelectorField
        legend="VMs to snapshot"
        value={v.selector}
        error={form.errors.selector}
        onChange={(s) => set('selector', s)}
      />
      <CronFields
        schedule={v.schedule}
        timezone={v.timezone}
        errors={form.errors}
        example="0 * * * * = every hour"
        onChange={(key, value) => set(key, value)}
      />
      <div className="col-span-2 rounded-md bg-slate-50 p-3">
        <SchedulePreview preview={preview} timezone={v.timezone} />
      </div>
      <Switch
        label="With memory"
        checked={v.memory}
        onChange={(m) => set('memory', m)}
        description="Checkpoints (disk + memory; stopped VMs are skipped) instead of disk snapshots"
      />
      <Switch
        label="Enabled"
        checked={v.enabled}
        onChange={(on) => set('enabled', on)}
        description="Off: the schedule is kept but does not run"
      />
    </form>
  );
}
