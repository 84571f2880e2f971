'use client';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ChartCard } from '@/components/charts/chart-card';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { FilterSelect } from '@/components/ui/form-field';
import { Skeleton } from '@/components/ui/skeleton';
import { USAGE_RANGES, type BackupJobDto, type BackupRepositoryDto, type UsageRange } from '@/lib/domain/backups/dto';
import { formatBytes, formatDuration } from '@/lib/format';
import { backupQueries } from '@/lib/queries/backup-queries';

function NoData({ children }: { children: ReactNode }) {
  return (
    <div className="flex h-[180px] items-center justify-center rounded-md border border-dashed border-slate-200 text-xs text-slate-500">
      {children}
    </div>
  );
}

/** Size and duration of each finished run of one job. */
function JobHistory({ jobs }: { jobs: BackupJobDto[] }) {
  const [jobId, setJobId] = useState(jobs[0]?.id ?? '');
  const id = jobs.some((j) => j.id === jobId) ? jobId : (jobs[0]?.id ?? '');
  const runs = useQuery({ ...backupQueries.runs(id), enabled: Boolean(id) });
  const points = (runs.data ?? [])
    .filter((r) => r.finishedAt)
    .map((r) => ({
      t: Date.parse(r.startedAt),
      sizeBytes: r.sizeBytes,
      bytesWritten: r.bytesWritten,
      durationSec: (r.durationMs ?? 0) / 1000,
    }))
    .sort((a, b) => a.t - b.t);
  const last = points.at(-1);
  const picker = (
    <FilterSelect label="Job" value={id} onChange={(e) => setJobId(e.target.value)}>
      {jobs.map((j) => (
        <option key={j.id} value={j.id}>
          {j.name}
        </option>
      ))}
    </FilterSelect>
  );
  const body = (chart: ReactNode) =>
    runs.isPending && id ? (
      <Skeleton className="h-[180px]" />
    ) : points.length === 0 ? (
      <NoData>No finished runs yet: use Run now or wait for the schedule.</NoData>
    ) : (
      chart
    );
  return (
    <section aria-label="Run history" className="space-y-2">
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold text-slate-900">Run history</h2>
        {picker}
      </div>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <ChartCard
          title="Backup size per run"
          current={
            last ? `last: ${formatBytes(last.sizeBytes)} stored, ${formatBytes(last.bytesWritten)} written` : undefined
          }
        >
          {body(
            <TimeSeriesChart
              name="job-size"
              kind="line"
              unit="bytes"
              data={points}
              series={[
                { key: 'sizeBytes', label: 'Stored' },
                { key: 'bytesWritten', label: 'Written', dashed: true },
              ]}
            />,
          )}
        </ChartCard>
        <ChartCard
          title="Backup duration per run"
          current={last ? `last: ${formatDuration(last.durationSec * 1000)}` : undefined}
        >
          {body(
            <TimeSeriesChart
              name="job-duration"
              kind="line"
              unit="number"
              data={points}
              series={[{ key: 'durationSec', label: 'Seconds' }]}
            />,
          )}
        </ChartCard>
      </div>
    </section>
  );
}

/** Bytes the restore points of one repository take over time; free space of its filesystem in the header. */
function RepositoryUsage({ repositories }: { repositories: BackupRepositoryDto[] }) {
  const [repoId, setRepoId] = useState(repositories[0]?.id ?? '');
  const [range, setRange] = useState<UsageRange>('24h');
  const id = repositories.some((r) => r.id === repoId) ? repoId : (repositories[0]?.id ?? '');
  const usage = useQuery({ ...backupQueries.repositoryUsage(id, range), enabled: Boolean(id) });
  const points = usage.data?.points ?? [];
  const last = points.at(-1);
  return (
    <ChartCard
      title="Repository usage"
      current={
        last
          ? `${formatBytes(last.usedBytes)} of restore points, ${formatBytes(last.freeBytes)} free on its filesystem`
          : undefined
      }
      actions={
        <>
          <FilterSelect label="Repository" value={id} onChange={(e) => setRepoId(e.target.value)}>
            {repositories.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect label="Range" value={range} onChange={(e) => setRange(e.target.value as UsageRange)}>
            {Object.keys(USAGE_RANGES).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </FilterSelect>
        </>
      }
    >
      {usage.isPending && id ? (
        <Skeleton className="h-[180px]" />
      ) : points.length === 0 ? (
        <NoData>No usage samples yet.</NoData>
      ) : (
        <TimeSeriesChart
          name="repository-usage"
          unit="bytes"
          data={points}
          series={[{ key: 'usedBytes', label: 'Restore points' }]}
        />
      )}
    </ChartCard>
  );
}

export function BackupCharts({ jobs, repositories }: { jobs: BackupJobDto[]; repositories: BackupRepositoryDto[] }) {
  return (
    <>
      {jobs.length > 0 && <JobHistory jobs={jobs} />}
      {repositories.length > 0 && <RepositoryUsage repositories={repositories} />}
    </>
  );
}
