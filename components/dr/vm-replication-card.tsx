'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Card, CardHeader } from '@/components/ui/card';
import { KeyValueList } from '@/components/ui/key-value-list';
import type { VmDto } from '@/lib/domain/vms/dto';
import { formatRelativeTime } from '@/lib/format';
import { drQueries } from '@/lib/queries/dr';
import { DrStatusBadge, formatSec, pointKindText, rpoText } from './dr-bits';

/** The VM's replication (as the protected VM or as its replica): status, RPO, newest point, link to /dr. */
export function VmReplicationCard({ vm }: { vm: VmDto }) {
  const { data } = useQuery(drQueries.forVm(vm.id));
  const job = data?.[0];
  const side = !job ? null : job.vm.id === vm.id ? 'source' : job.replica.id === vm.id ? 'replica' : 'test';
  return (
    <Card data-testid="vm-replication">
      <CardHeader
        title="Replication"
        description={
          !data
            ? 'Loading…'
            : !job
              ? 'Not protected: no copy on another site'
              : side === 'source'
                ? `To ${job.replica.hostName}, site ${job.replica.site}`
                : side === 'replica'
                  ? job.state === 'failed-over'
                    ? `Took over from ${job.vm.name} by failover`
                    : job.state === 'failing-back'
                      ? `Took over from ${job.vm.name}; failing back to site ${job.vm.site}`
                      : `Replica of ${job.vm.name} on site ${job.vm.site}`
                  : `Test copy of ${job.vm.name}: isolated, no network device`
        }
        actions={
          <Link href="/dr" className="text-xs font-medium text-accent-700 hover:underline">
            DR page
          </Link>
        }
      />
      {job && (
        <KeyValueList
          rows={[
            ['Status', <DrStatusBadge key="s" job={job} />],
            ['RPO now / target', rpoText(job)],
            [
              'Newest point',
              job.newestPoint
                ? `${formatRelativeTime(job.newestPoint.takenAt)} (${pointKindText(job.newestPoint)})`
                : 'none yet',
            ],
            ['Every', `${formatSec(job.intervalSec)}, ${job.points.length} of ${job.keepPoints} points kept`],
          ]}
        />
      )}
    </Card>
  );
}
