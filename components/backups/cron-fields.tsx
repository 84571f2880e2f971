'use client';
import { useMemo } from 'react';
import { SelectField, TextField } from '@/components/ui/form-field';

// The cron expression and its timezone, as backup jobs and snapshot schedules both take them.
export function CronFields({
  schedule,
  timezone,
  errors,
  example,
  onChange,
}: {
  schedule: string;
  timezone: string;
  errors: { schedule?: string; timezone?: string };
  example: string; // e.g. "0 3 * * * = every night at 03:00"
  onChange: (key: 'schedule' | 'timezone', value: string) => void;
}) {
  const timezones = useMemo(() => {
    const all = Intl.supportedValuesOf('timeZone');
    return all.includes('UTC') ? all : ['UTC', ...all];
  }, []);
  return (
    <>
      <TextField
        label="Cron expression"
        name="schedule"
        value={schedule}
        error={errors.schedule}
        spellCheck={false}
        hint={`minute hour day-of-month month day-of-week, e.g. ${example}`}
        onChange={(e) => onChange('schedule', e.target.value)}
      />
      <SelectField
        label="Timezone"
        name="timezone"
        value={timezone}
        error={errors.timezone}
        onChange={(e) => onChange('timezone', e.target.value)}
      >
        {timezones.map((tz) => (
          <option key={tz} value={tz}>
            {tz}
          </option>
        ))}
      </SelectField>
    </>
  );
}
