'use client';
import { useQuery } from '@tanstack/react-query';
import { Card } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { Stat } from '@/components/ui/stat';
import { formatBytes, formatPercent } from '@/lib/format';
import { hostQueries } from '@/lib/queries/host-queries';
import { isTaskActive, taskQueries } from '@/lib/queries/task-queries';

export function ClusterStats() {
  const { data: fleet } = useQuery(hostQueries.summary());
  const { data: tasks } = useQuery(taskQueries.list());
  if (!fleet) return <Skeleton className="h-[74px]" />;

  const failed = tasks?.filter((t) => t.state === 'failed').length ?? 0;

  return (
    <Card className="px-5 py-4">
      <dl className="grid grid-cols-5 gap-6">
        <Stat
          label="Hosts online"
          value={`${fleet.online} / ${fleet.hosts}`}
          hint={fleet.maintenance ? `${fleet.maintenance} in maintenance` : `${fleet.cpuCount} CPUs in total`}
        />
        <Stat label="VMs running" value={`${fleet.runningVmCount} / ${fleet.vmCount}`} hint="across all hosts" />
        <Stat label="CPU (average)" value={formatPercent(fleet.onlineCpuPctAvg)} hint="online hosts" />
        <Stat
          label="Memory used"
          value={formatBytes(fleet.onlineMemoryUsedBytes)}
          hint={`of ${formatBytes(fleet.onlineMemoryTotalBytes)}`}
        />
        <Stat
          label="Tasks running"
          value={tasks?.filter(isTaskActive).length ?? '—'}
          hint={failed ? `${failed} failed recently` : 'none failed recently'}
        />
      </dl>
    </Card>
  );
}
