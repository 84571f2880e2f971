'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { SelectField, TextField } from '@/components/ui/form-field';
import type { BackupJobDto, RetentionPolicy, VmSelector } from '@/lib/domain/backups/dto';
import { createJobSchema, updateJobSchema } from '@/lib/domain/backups/schemas';
import { numberInput } from '@/lib/forms/number-input';
import { useSchemaForm } from '@/lib/forms/use-schema-form';
import { formatBytes } from '@/lib/format';
import { useSaveJob } from '@/lib/queries/backup-mutations';
import { backupQueries } from '@/lib/queries/backup-queries';
import { PolicyPreview, SchedulePreview, useJobPreview } from './job-preview';
import { VmSelectorField } from './vm-selector-field';
import { CronFields } from './cron-fields';

const RETENTION_FIELDS: { key: keyof RetentionPolicy; label: string; hint: string }[] = [
  { key: 'keepLast', label: 'Keep last', hint: 'newest points' },
  { key: 'daily', label: 'Daily', hint: 'days, newest of each' },
  { key: 'weekly', label: 'Weekly', hint: 'weeks' },
  { key: 'monthly', label: 'Monthly', hint: 'months' },
  { key: 'yearly', label: 'Yearly', hint: 'years' },
];

type Values = {
  name: string;
  repositoryId: string;
  selector: VmSelector;
  schedule: string;
  timezone: string;
  retention: Record<keyof RetentionPolicy, string>;
  concurrency: string;
  verify: boolean;
  verifySchedule: string;
};

function initialValues(job: BackupJobDto | undefined, repositoryId: string): Values {
  const browserTz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const r = job?.retention ?? { keepLast: 7, daily: 7, weekly: 4, monthly: 6, yearly: 0 };
  return {
    name: job?.name ?? '',
    repositoryId: job?.repositoryId ?? repositoryId,
    selector: job?.selector ?? { vmIds: [], tags: [] },
    schedule: job?.schedule ?? '0 3 * * *',
    timezone: job?.timezone ?? browserTz,
    retention: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])) as Values['retention'],
    concurrency: String(job?.concurrency ?? 1),
    verify: Boolean(job?.verifySchedule),
    verifySchedule: job?.verifySchedule ?? '0 5 * * 0',
  };
}

const toPolicy = (r: Values['retention']): RetentionPolicy =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, Math.max(0, Math.floor(Number(v) || 0))]),
  ) as RetentionPolicy;

function Section({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section className="col-span-2 border-t border-slate-100 pt-3">
      <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
      <div className="grid grid-cols-2 gap-x-4 gap-y-3">{children}</div>
      {aside && <div className="mt-3 rounded-md bg-slate-50 p-3">{aside}</div>}
    </section>
  );
}

/** Create or edit a backup job; validates with the API's zod schema and previews schedule and retention. */
export function JobForm({
  id,
  job,
  onSaved,
  onPendingChange,
}: {
  id: string;
  job?: BackupJobDto;
  onSaved: (job: BackupJobDto) => void;
  onPendingChange: (pending: boolean) => void;
}) {
  const repos = useQuery(backupQueries.repositories());
  const save = useSaveJob(job?.id);
  const form = useSchemaForm(job ? updateJobSchema : createJobSchema);
  const [v, setV] = useState<Values>(() => initialValues(job, ''));
  useEffect(() => onPendingChange(save.isPending), [save.isPending, onPendingChange]);
  // The first repository is the natural default once the list arrives.
  const firstRepo = repos.data?.[0]?.id;
  useEffect(() => {
    if (firstRepo) setV((p) => (p.repositoryId ? p : { ...p, repositoryId: firstRepo }));
  }, [firstRepo]);

  const retention = toPolicy(v.retention);
  const preview = useJobPreview({ schedule: v.schedule, timezone: v.timezone, retention, jobId: job?.id });
  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setV((p) => ({ ...p, [key]: value }));
    form.clearError(key);
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const input = form.validate({
      name: v.name,
      repositoryId: v.repositoryId,
      selector: v.selector,
      schedule: v.schedule,
      timezone: v.timezone,
      retention: Object.fromEntries(Object.entries(v.retention).map(([k, n]) => [k, numberInput(n)])),
      concurrency: numberInput(v.concurrency),
      verifySchedule: v.verify ? v.verifySchedule : null,
    });
    if (!input) return;
    save.mutate(input, { onSuccess: onSaved, onError: (err) => form.applyServerError(err) });
  }

  return (
    <form id={id} onSubmit={onSubmit} noValidate className="grid grid-cols-2 gap-x-4 gap-y-3.5">
      {form.errors._form && (
        <p role="alert" className="col-span-2 text-sm text-red-700">
          {form.errors._form}
        </p>
      )}
      <TextField
        label="Job name"
        name="name"
        value={v.name}
        error={form.errors.name}
        autoFocus
        autoComplete="off"
        placeholder="nightly-web"
        onChange={(e) => set('name', e.target.value)}
      />
      <SelectField
        label="Repository"
        name="repositoryId"
        value={v.repositoryId}
        error={form.errors.repositoryId}
        onChange={(e) => set('repositoryId', e.target.value)}
      >
        {!v.repositoryId && <option value="">Choose a repository…</option>}
        {repos.data?.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} — {formatBytes(r.freeBytes)} free{r.status !== 'ok' ? ` (${r.status})` : ''}
          </option>
        ))}
      </SelectField>
      <VmSelectorField value={v.selector} error={form.errors.selector} onChange={(s) => set('selector', s)} />

      <Section title="Schedule" aside={<SchedulePreview preview={preview} timezone={v.timezone} />}>
        <CronFields
          schedule={v.schedule}
          timezone={v.timezone}
          errors={form.errors}
          example="0 3 * * * = every night at 03:00"
          onChange={(key, value) => set(key, value)}
        />
      </Section>

      <Section title="Retention" aside={<PolicyPreview preview={preview} />}>
        <div className="col-span-2 grid grid-cols-5 gap-3">
          {RETENTION_FIELDS.map((f) => (
            <TextField
              key={f.key}
              label={f.label}
              type="number"
              min={0}
              name={`retention.${f.key}`}
              value={v.retention[f.key]}
              hint={f.hint}
              onChange={(e) => set('retention', { ...v.retention, [f.key]: e.target.value })}
            />
          ))}
          {form.errors.retention && <p className="col-span-5 -mt-1 text-xs text-red-600">{form.errors.retention}</p>}
        </div>
      </Section>

      <Section title="Options">
        <TextField
          label="Concurrency"
          type="number"
          min={1}
          max={8}
          name="concurrency"
          value={v.concurrency}
          error={form.errors.concurrency}
          hint="VMs backed up at the same time"
          onChange={(e) => set('concurrency', e.target.value)}
        />
        <div>
          <label className="mb-1 flex items-center gap-2 text-xs font-medium text-slate-700">
            <input
              type="checkbox"
              checked={v.verify}
              onChange={(e) => set('verify', e.target.checked)}
              className="size-3.5 accent-accent-600"
            />
            Verify on a schedule
          </label>
          <TextField
            label={<span className="sr-only">Verify schedule</span>}
            name="verifySchedule"
            value={v.verifySchedule}
            disabled={!v.verify}
            error={form.errors.verifySchedule}
            spellCheck={false}
            hint="Cron; re-reads every point's checksums"
            onChange={(e) => set('verifySchedule', e.target.value)}
          />
        </div>
      </Section>
    </form>
  );
}
