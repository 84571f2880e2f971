'use client';
import { useQuery } from '@tanstack/react-query';
import { Spinner } from '@/components/ui/button';
import type { RetentionPolicy } from '@/lib/domain/backups/dto';
import { useDebounced } from '@/lib/hooks/use-debounced';
import { isApiError } from '@/lib/queries/api-fetch';
import { backupQueries } from '@/lib/queries/backup-queries';
import { RetentionPreview } from './retention-preview';
import { ScheduleCalendar } from './schedule-calendar';

export type PreviewSource = { schedule: string; timezone: string; retention: RetentionPolicy; jobId?: string };

function firstMessage(err: unknown): string {
  if (isApiError(err, 422)) return Object.values(err.fields)[0]?.[0] ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Debounced server preview of the form's schedule and retention: words, calendar of next runs, kept points. */
export function useJobPreview(source: PreviewSource) {
  const input = useDebounced(source, 400);
  const ready = input.schedule.trim() !== '' && Object.values(input.retention).some((n) => n > 0);
  const query = useQuery({ ...backupQueries.preview(input), enabled: ready });
  const stale = JSON.stringify(input) !== JSON.stringify(source);
  return { query, ready, stale };
}

type Preview = ReturnType<typeof useJobPreview>;

export function SchedulePreview({ preview, timezone }: { preview: Preview; timezone: string }) {
  const { query, ready, stale } = preview;
  if (!ready) return <p className="text-xs text-slate-500">Enter a cron expression to see when it runs.</p>;
  if (query.isError && !stale)
    return (
      <p role="alert" className="text-xs text-red-600" data-testid="schedule-error">
        {firstMessage(query.error)}
      </p>
    );
  const data = query.data;
  return (
    <div className="space-y-2" aria-busy={query.isFetching || stale}>
      <p data-testid="schedule-words" className="flex items-center gap-2 text-sm font-medium text-slate-800">
        {data ? data.description : 'Reading the schedule…'}
        {(query.isFetching || stale) && <Spinner className="text-slate-400" />}
      </p>
      {data && <ScheduleCalendar runs={data.nextRuns} timeZone={timezone} />}
    </div>
  );
}

export function PolicyPreview({ preview }: { preview: Preview }) {
  const { query, ready, stale } = preview;
  if (!ready)
    return (
      <p className="text-xs text-slate-500">
        Set keep-last or a daily/weekly/monthly/yearly count to see which points are kept.
      </p>
    );
  if (query.isError && !stale)
    return <p className="text-xs text-slate-500">The retention preview needs a valid schedule.</p>;
  if (!query.data) return <p className="text-xs text-slate-500">Simulating…</p>;
  return <RetentionPreview retention={query.data.retention} />;
}
