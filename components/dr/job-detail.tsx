'use client';
import Link from 'next/link';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { Card, CardBody, CardHeader } from '@/components/ui/card';
import { FilterSelect } from '@/components/ui/form-field';
import type { DrOverviewDto } from '@/lib/domain/dr/dto';
import { formatBytes, formatDateTime, formatRelativeTime } from '@/lib/format';
import { formatSec, pointKindText } from './dr-bits';
import { lagRows } from './lag-model';

type Job = DrOverviewDto['jobs'][number];

const LAG_SERIES = [
  { key: 'rpo' as const, label: 'RPO (s)' },
  { key: 'target' as const, label: 'Target (s)', color: '#f43f5e', dashed: true },
];

/** The chosen job's lag over the last hour (sawtooth vs target) and its replica points. */
export function JobDetail({
  jobs,
  job,
  windowSec,
  onSelect,
}: {
  jobs: Job[];
  job: Job;
  windowSec: number;
  onSelect: (jobId: string) => void;
}) {
  return (
    <Card data-testid="dr-job-detail" data-job={job.vm.name}>
      <CardHeader
        title={`Replication of ${job.vm.name}`}
        description={`RPO over the last ${formatSec(windowSec)}; ${job.points.length} of ${job.keepPoints} points kept on ${job.replica.hostName}`}
        actions={
          jobs.length > 1 && (
            <FilterSelect label="Job" value={job.id} onChange={(e) => onSelect(e.target.value)}>
              {jobs.map((j) => (
                <option key={j.id} value={j.id}>
                  {j.vm.name}
                </option>
              ))}
            </FilterSelect>
          )
        }
      />
      <CardBody className="space-y-4">
        <TimeSeriesChart
          name="dr-lag"
          kind="line"
          curve="linear"
          unit="number"
          height={200}
          series={LAG_SERIES}
          data={lagRows(job.lag, job.rpoTargetSec)}
        />
        <ReplicaPoints job={job} />
      </CardBody>
    </Card>
  );
}

function ReplicaPoints({ job }: { job: Job }) {
  if (job.points.length === 0)
    return <p className="text-sm text-slate-500">No replica point yet: the first run copies the whole disk.</p>;
  return (
    <table aria-label={`Replica points of ${job.vm.name}`} className="w-full text-sm" data-testid="dr-points">
      <thead>
        <tr className="border-b border-slate-200 text-left text-xs text-slate-500">
          <th scope="col" className="py-1.5 pr-3 font-medium">
            Taken
          </th>
          <th scope="col" className="py-1.5 pr-3 font-medium">
            Kind
          </th>
          <th scope="col" className="py-1.5 pr-3 text-right font-medium">
            Data sent
          </th>
          <th scope="col" className="py-1.5 font-medium">
            Test copies
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {job.points.map((p) => (
          <tr key={p.id} data-testid="dr-point" data-kind={p.kind}>
            <td className="py-1.5 pr-3 tabular-nums" title={p.id}>
              {formatDateTime(p.takenAt)}{' '}
              <span className="text-xs text-slate-500">({formatRelativeTime(p.takenAt)})</span>
            </td>
            <td className="py-1.5 pr-3">{pointKindText(p)}</td>
            {/* The clusters the run wrote into the point's layer; bytesSent is the range it covered. */}
            <td className="py-1.5 pr-3 text-right tabular-nums" title={`range covered: ${formatBytes(p.bytesSent)}`}>
              {formatBytes(p.layerBytes)}
            </td>
            <td className="py-1.5">
              {p.testVmIds.length === 0
                ? '—'
                : p.testVmIds.map((id) => (
                    <Link key={id} href={`/vms/${id}`} className="mr-2 text-accent-700 hover:underline">
                      {job.tests.find((t) => t.vmId === id)?.name ?? id}
                    </Link>
                  ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
